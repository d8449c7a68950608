import type { ConditionModel, Loc, ProxySection, ProxySettings } from '../config/model.js';
import { splitCondition } from '../acl/acl-parser.js';
import { syntaxError, unsupportedError } from '../config/config-errors.js';
import { parseTime } from '../config/time-units.js';
import { lookupAction, type ActionRunner, type RuleSide } from '../rules/action-registry.js';
import '../rules/actions/all-actions.js';

/**
 * Which list a `tcp-request` rule belongs to; they run at different moments
 * of a connection. `response` holds `tcp-response content` rules, run on
 * what the server sends.
 */
export type TcpRuleList = 'connection' | 'session' | 'content' | 'response';

export type TcpAction =
  | { readonly kind: 'accept' | 'reject' | 'silent-drop' | 'expect-proxy' | 'close' }
  | { readonly kind: 'registered'; readonly name: string; readonly run: ActionRunner };

export interface TcpRuleModel {
  readonly list: TcpRuleList;
  readonly action: TcpAction;
  readonly cond?: ConditionModel;
  readonly loc: Loc;
}

const LISTS: readonly TcpRuleList[] = ['connection', 'session', 'content'];

/** The text a rule list is written with in the configuration. */
export function tcpRuleSide(list: TcpRuleList): RuleSide {
  return list === 'response' ? 'tcp-response content' : `tcp-request ${list}`;
}

/**
 * `tcp-request inspect-delay T` and `tcp-request connection|session|content
 * ACTION [if|unless COND]`. Rules go to the section; the delay is a setting
 * that defaults hand down.
 */
export function parseTcpRequest(words: readonly string[], at: Loc, section: ProxySection | null, settings: ProxySettings): void {
  const what = words[1];
  if (what === 'inspect-delay') {
    const ms = words[2] === undefined ? null : parseTime(words[2]);
    if (ms === null) throw syntaxError(at, `'tcp-request inspect-delay' needs a time such as 5s, got '${words[2] ?? ''}'`);
    if (words.length > 3) throw syntaxError(at, `unexpected '${words.slice(3).join(' ')}' after tcp-request inspect-delay`);
    settings.inspectDelay = ms;
    return;
  }
  if (!what || !LISTS.includes(what as TcpRuleList)) {
    throw syntaxError(at, `'tcp-request' expects 'inspect-delay', 'connection', 'session' or 'content', got '${what ?? ''}'`);
  }
  const list = what as TcpRuleList;
  if (!section) throw syntaxError(at, `'tcp-request ${list}' rules are not allowed in a defaults section; move them to a frontend, backend or listen section`);
  if (section.kind === 'backend' && list !== 'content')
    throw syntaxError(at, `'tcp-request ${list}' is not allowed in a backend section; only 'tcp-request content' is`);
  const word = words[2];
  if (!word) throw syntaxError(at, `'tcp-request ${list}' needs an action such as accept or reject`);
  const { args, cond } = splitCondition(words, 3, at);
  const rule = (action: TcpAction): TcpRuleModel => (cond ? { list, action, cond, loc: at } : { list, action, loc: at });
  const push = (r: TcpRuleModel) => {
    (section.tcpRules ??= []).push(r);
  };
  switch (word) {
    case 'accept':
    case 'reject':
    case 'silent-drop':
      if (args.length) throw syntaxError(at, `unexpected '${args.join(' ')}' after tcp-request ${list} ${word}`);
      push(rule({ kind: word }));
      return;
    case 'expect-proxy':
      if (list !== 'connection' || args[0] !== 'layer4' || args.length !== 1) throw syntaxError(at, `write 'tcp-request connection expect-proxy layer4'`);
      push(rule({ kind: 'expect-proxy' }));
      return;
  }
  const side = `tcp-request ${list}` as RuleSide;
  const found = lookupAction(word);
  if (!found || !found.def.sides.includes(side)) {
    throw unsupportedError(
      at,
      `'tcp-request ${list} ${word}' is not supported; supported: accept, reject, silent-drop${list === 'connection' ? ', expect-proxy layer4' : ''} and the sample actions (set-var, track-sc0..2) where they apply`,
    );
  }
  if (found.def.paren && found.paren === undefined) throw syntaxError(at, `'${word}' needs its argument in parentheses, e.g. ${word}(txn.name)`);
  const run = found.def.parse([...args], { at, side, section, paren: found.paren });
  push(rule({ kind: 'registered', name: found.def.name, run }));
}

/**
 * `tcp-response inspect-delay T` and `tcp-response content accept|reject|close
 * [if|unless COND]` (and the sample actions that apply there), in backends
 * and listen sections as HAProxy allows them.
 */
export function parseTcpResponse(words: readonly string[], at: Loc, section: ProxySection | null, settings: ProxySettings): void {
  const what = words[1];
  if (section?.kind === 'frontend') throw syntaxError(at, `tcp-response ${what ?? ''} is only allowed in 'backend' sections or 'defaults' section with a name`);
  if (what === 'inspect-delay') {
    const ms = words[2] === undefined ? null : parseTime(words[2]);
    if (ms === null) throw syntaxError(at, `'tcp-response inspect-delay' needs a time such as 5s, got '${words[2] ?? ''}'`);
    if (words.length > 3) throw syntaxError(at, `unexpected '${words.slice(3).join(' ')}' after tcp-response inspect-delay`);
    settings.responseInspectDelay = ms;
    return;
  }
  if (what !== 'content') throw syntaxError(at, `'tcp-response' expects 'inspect-delay' or 'content', got '${what ?? ''}'`);
  if (!section) throw syntaxError(at, `'tcp-response content' rules are not allowed in a defaults section; move them to a backend or listen section`);
  const word = words[2];
  if (!word) throw syntaxError(at, `'tcp-response content' needs an action such as accept, reject or close`);
  const { args, cond } = splitCondition(words, 3, at);
  const push = (action: TcpAction) => {
    (section.tcpRules ??= []).push(cond ? { list: 'response', action, cond, loc: at } : { list: 'response', action, loc: at });
  };
  if (word === 'accept' || word === 'reject' || word === 'close') {
    if (args.length) throw syntaxError(at, `unexpected '${args.join(' ')}' after tcp-response content ${word}`);
    push({ kind: word });
    return;
  }
  const found = lookupAction(word);
  if (!found || !found.def.sides.includes('tcp-response content')) {
    throw unsupportedError(
      at,
      `'tcp-response content ${word}' is not supported; supported: accept, reject, close and the sample actions (set-var, unset-var, set-log-level)`,
    );
  }
  if (found.def.paren && found.paren === undefined) throw syntaxError(at, `'${word}' needs its argument in parentheses, e.g. ${word}(txn.name)`);
  const run = found.def.parse([...args], { at, side: 'tcp-response content', section, paren: found.paren });
  push({ kind: 'registered', name: found.def.name, run });
}
