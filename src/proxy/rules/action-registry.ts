import type { Loc, ProxySection } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import type { LocalResponse } from '../http/local-response.js';
import type { Txn } from '../sample/txn.js';

/** The rule lists an action can appear in. TCP-mode lists reuse the same registry. */
export type RuleSide =
  | 'http-request'
  | 'http-response'
  | 'http-after-response'
  | 'tcp-request connection'
  | 'tcp-request session'
  | 'tcp-request content'
  | 'tcp-response content';

export interface ActionParseContext {
  readonly at: Loc;
  readonly side: RuleSide;
  /** Section the rule sits in (its settings are complete once parsing ends, so read them at run time). */
  readonly section: ProxySection;
  /** Text inside the action's parentheses, e.g. `txn.foo` for `set-var(txn.foo)`. */
  readonly paren: string | undefined;
}

export interface RuleContext {
  /** The request (with `response` set on the response side). */
  readonly src: SampleSource;
  readonly txn: Txn;
  readonly side: RuleSide;
  /** The response headers being built (response side only; edit in place). */
  readonly resHeaders?: [string, string][];
  /** Response status line, editable by set-status (response side only). */
  readonly resStatus?: { status: number; reason: string };
}

/**
 * What running an action did: nothing special (go on with the next rule),
 * stop the rule list (allow), or answer the client instead of the server.
 * `delayMs` holds the answer back (tarpit).
 */
export type ActionResult = undefined | { readonly stop: true } | { readonly respond: LocalResponse; readonly termination?: string; readonly delayMs?: number };

export type ActionRunner = (ctx: RuleContext) => ActionResult;

export interface ActionDef {
  /** Keyword, without parentheses: `set-var` covers `set-var(txn.x)`. */
  readonly name: string;
  readonly sides: readonly RuleSide[];
  /** Whether the keyword is written `name(arg)`; then `paren` is required. */
  readonly paren?: boolean;
  /** Checks the words between the keyword and `if`/`unless` (throw config errors with ctx.at) and compiles them. */
  readonly parse: (args: string[], ctx: ActionParseContext) => ActionRunner;
}

const actions = new Map<string, ActionDef>();

export function registerAction(def: ActionDef): void {
  if (actions.has(def.name)) throw new Error(`rule action '${def.name}' is registered twice`);
  actions.set(def.name, def);
}

/** Splits `set-var(txn.x)` into name and parenthesised text, and finds it. */
export function lookupAction(word: string): { def: ActionDef; paren: string | undefined } | undefined {
  const open = word.indexOf('(');
  const name = open < 0 ? word : word.slice(0, open);
  const def = actions.get(name);
  if (!def) return undefined;
  if (open < 0) return { def, paren: undefined };
  if (!word.endsWith(')')) return undefined;
  return { def, paren: word.slice(open + 1, -1) };
}

export function actionNames(side: RuleSide): string[] {
  return [...actions.values()].filter((d) => d.sides.includes(side)).map((d) => d.name);
}

/** Options for parsing a sample expression or log-format string inside an action. */
export function sampleOptionsOf(ctx: ActionParseContext, context: string): { context: string; side?: 'request' | 'response'; beforeBackend: boolean } {
  const side = httpSideOf(ctx.side);
  const beforeBackend = ctx.section.kind === 'frontend' && (side === 'request' || ctx.side.startsWith('tcp-request'));
  return side ? { context, side, beforeBackend } : { context, beforeBackend };
}

/** The HTTP message a rule list sees, for fetch checks; undefined for TCP lists. */
export function httpSideOf(side: RuleSide): 'request' | 'response' | undefined {
  if (side === 'http-request') return 'request';
  if (side === 'http-response' || side === 'http-after-response') return 'response';
  return undefined;
}
