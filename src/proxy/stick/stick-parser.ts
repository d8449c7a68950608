import type { ConditionModel, Loc } from '../config/model.js';
import { syntaxError, unsupportedError, referenceError } from '../config/config-errors.js';
import { parseTime } from '../config/time-units.js';
import { parseSampleExpr, type SampleExpr } from '../sample/sample-expr.js';
import { COUNTER_TYPES, RATE_TYPES, type CounterType, type RateType, type StickKeyType, type StickTableModel } from './stick-data.js';

/** Number of tracking counters (sc0..sc2), HAProxy's default MAX_SESS_STKCTR. */
export const STICK_COUNTERS = 3;

/** `stick on|match|store-request|store-response KEY [table NAME] [if|unless COND]`. */
export interface StickRuleModel {
  readonly kind: 'on' | 'match' | 'store-request' | 'store-response';
  readonly key: SampleExpr;
  readonly table: string | undefined;
  readonly cond?: ConditionModel;
  readonly loc: Loc;
}

/** A track-sc action's key and table, shared by http-request and (later) tcp-request rules. */
export interface TrackAction {
  readonly kind: 'track-sc';
  readonly slot: number;
  readonly key: SampleExpr;
  readonly table: string | undefined;
}
export type StickAction =
  | TrackAction
  | { readonly kind: 'sc-inc-gpc'; readonly which: 0 | 1; readonly slot: number }
  | { readonly kind: 'sc-set-gpt0'; readonly slot: number; readonly value: number | SampleExpr };

function parseSize(text: string | undefined, at: Loc): number {
  const m = text === undefined ? null : /^(\d+)([kmg]?)$/i.exec(text);
  if (!m) throw syntaxError(at, `stick-table: 'size' needs a number with an optional k, m or g suffix, got '${text ?? ''}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

/** Parses a `stick-table` line of the section `name`. */
export function parseStickTable(words: readonly string[], at: Loc, name: string, warn: (at: Loc, m: string) => void): StickTableModel {
  let type: StickKeyType | undefined;
  let keyLen = 32;
  let size: number | undefined;
  let expire: number | undefined;
  let nopurge = false;
  const counters: CounterType[] = [];
  const rates = new Map<RateType, number>();
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    switch (w) {
      case 'type': {
        const t = words[++i];
        if (t === 'ip' || t === 'ipv6' || t === 'integer' || t === 'string' || t === 'binary') type = t;
        else throw syntaxError(at, `stick-table: unknown type '${t ?? ''}'; use ip, ipv6, integer, string or binary`);
        if ((t === 'string' || t === 'binary') && words[i + 1] === 'len') {
          const l = words[i + 2];
          if (!l || !/^\d+$/.test(l) || Number(l) === 0) throw syntaxError(at, `stick-table: 'len' needs a positive number of bytes`);
          keyLen = Number(l);
          i += 2;
        }
        break;
      }
      case 'size':
        size = parseSize(words[++i], at);
        break;
      case 'expire': {
        const v = words[++i];
        const ms = v === undefined ? null : parseTime(v);
        if (ms === null) throw syntaxError(at, `stick-table: 'expire' needs a time such as 30s, got '${v ?? ''}'`);
        expire = ms;
        break;
      }
      case 'nopurge':
        nopurge = true;
        break;
      case 'peers': {
        const p = words[++i];
        if (!p) throw syntaxError(at, `stick-table: 'peers' needs a peers section name`);
        warn(at, `stick-table 'peers ${p}': tables are not synchronised with peers by docklab (kept in this proxy only)`);
        break;
      }
      case 'srvkey': {
        const k = words[++i];
        if (k !== 'name' && k !== 'addr') throw syntaxError(at, `stick-table: 'srvkey' needs 'name' or 'addr'`);
        break;
      }
      case 'store': {
        const list = words[++i];
        if (!list) throw syntaxError(at, `stick-table: 'store' needs a data type`);
        for (const item of splitStore(list)) {
          const m = /^([a-z0-9_]+)(?:\((.*)\))?$/.exec(item);
          const dt = m?.[1] ?? item;
          if ((RATE_TYPES as readonly string[]).includes(dt)) {
            const ms = m?.[2] === undefined ? null : parseTime(m[2]);
            if (m?.[2] === undefined || m[2] === '') throw syntaxError(at, `stick-table: missing argument to store option '${dt}'; write e.g. ${dt}(10s)`);
            if (ms === null || ms === 0) throw syntaxError(at, `stick-table: invalid period '${m[2]}' for store option '${dt}'`);
            rates.set(dt as RateType, ms);
          } else if ((COUNTER_TYPES as readonly string[]).includes(dt)) {
            if (m?.[2] !== undefined) throw syntaxError(at, `stick-table: store option '${dt}' takes no argument`);
            if (!counters.includes(dt as CounterType)) counters.push(dt as CounterType);
          } else if (/^(gpc|gpt|gpc_rate|gpt1|http_fail|glitch)/.test(dt) || dt === 'server_key' || dt === 'server_name') {
            throw unsupportedError(
              at,
              `stick-table: store option '${dt}' is not supported by docklab; supported: ${[...COUNTER_TYPES, ...RATE_TYPES].join(', ')}`,
            );
          } else throw syntaxError(at, `stick-table: unknown store option '${dt}'`);
        }
        break;
      }
      default:
        throw syntaxError(at, `stick-table: unknown argument '${w}'; expected type, size, expire, nopurge, peers or store`);
    }
  }
  if (!type) throw syntaxError(at, `stick-table: missing type; e.g. 'stick-table type ip size 100k expire 30s'`);
  if (size === undefined) throw syntaxError(at, `stick-table: missing size`);
  return { name, type, keyLen, size, expire, nopurge, counters, rates, loc: at };
}

/** Splits `a,b(10s),c` at the commas outside parentheses. */
function splitStore(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of list) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** Splits `KEY [table NAME]` (what follows track-sc and stick rules). */
function keyAndTable(args: readonly string[], at: Loc, what: string): { key: SampleExpr; table: string | undefined } {
  const keyText = args[0];
  if (!keyText) throw syntaxError(at, `'${what}' needs a sample expression as key, e.g. 'src'`);
  let table: string | undefined;
  let i = 1;
  if (args[i] === 'table') {
    table = args[i + 1];
    if (!table) throw syntaxError(at, `'table' needs a table name after '${what}'`);
    i += 2;
  }
  if (i < args.length) throw syntaxError(at, `unexpected '${args[i]}' after '${what} ${keyText}'; expected 'table NAME', 'if' or 'unless'`);
  return { key: parseSampleExpr(keyText, at, { context: what }), table };
}

/** `stick on|match|store-request|store-response …` (the words after `stick`, condition split off). */
export function parseStickRule(args: readonly string[], cond: ConditionModel | undefined, at: Loc): StickRuleModel {
  const kind = args[0];
  if (kind !== 'on' && kind !== 'match' && kind !== 'store-request' && kind !== 'store-response') {
    throw syntaxError(at, `'stick' needs 'on', 'match', 'store-request' or 'store-response', got '${kind ?? ''}'`);
  }
  const { key, table } = keyAndTable(args.slice(1), at, `stick ${kind}`);
  return cond ? { kind, key, table, cond, loc: at } : { kind, key, table, loc: at };
}

function slotOf(text: string, at: Loc, action: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n >= STICK_COUNTERS)
    throw syntaxError(at, `'${action}': invalid stick table track ID '${text}'; the max allowed ID is ${STICK_COUNTERS - 1}`);
  return n;
}

/**
 * The stick-counter actions of `http-request` (and of `tcp-request` later):
 * `track-scN KEY [table T]`, `sc-inc-gpc0(N)`, `sc-inc-gpc1(N)`,
 * `sc-set-gpt0(N) VALUE`. Null when `action` is none of them.
 */
export function parseStickAction(action: string, args: readonly string[], at: Loc): StickAction | null {
  let m = /^track-sc(\d+)$/.exec(action);
  if (m) {
    const slot = Number(m[1]);
    if (slot >= STICK_COUNTERS) throw syntaxError(at, `'${action}': track-sc number exceeding ${STICK_COUNTERS - 1}`);
    const { key, table } = keyAndTable(args, at, action);
    return { kind: 'track-sc', slot, key, table };
  }
  m = /^sc-inc-gpc([01])\((\w*)\)$/.exec(action);
  if (m) {
    if (args.length) throw syntaxError(at, `unexpected '${args[0]}' after '${action}'`);
    return { kind: 'sc-inc-gpc', which: Number(m[1]) as 0 | 1, slot: slotOf(m[2]!, at, action) };
  }
  m = /^sc-set-gpt0\((\w*)\)$/.exec(action);
  if (m) {
    const slot = slotOf(m[1]!, at, action);
    const v = args[0];
    if (v === undefined || args.length > 1) throw syntaxError(at, `'${action}' needs one value: a number or a sample expression`);
    return { kind: 'sc-set-gpt0', slot, value: /^-?\d+$/.test(v) ? Number(v) : parseSampleExpr(v, at, { context: action }) };
  }
  if (/^sc-(inc-gpc|set-gpt|inc-gpc\d|set-gpt\d)/.test(action))
    throw unsupportedError(at, `'${action}' is not supported; use sc-inc-gpc0(N), sc-inc-gpc1(N) or sc-set-gpt0(N)`);
  return null;
}

/** The table a rule, action or fetch names must be declared somewhere (checked once the whole file is read). */
export function checkTableReference(name: string, declared: ReadonlySet<string>, at: Loc, what: string): void {
  if (!declared.has(name))
    throw referenceError(at, `unable to find table '${name}' referenced by ${what}; declare 'stick-table' in a section named '${name}' or fix the name`);
}

// ---- parse-time references ----------------------------------------------------------------
// Fetches are parsed while the configuration is read, one section at a time,
// synchronously: the parser says which section it is in, so that a fetch
// written without a table gets that section's table, as HAProxy resolves it.

let parsing = false;
let currentSection: string | undefined;
let refs: { name: string; at: Loc; what: string }[] = [];

/** Called when a configuration starts being read. */
export function beginStickParse(): void {
  parsing = true;
  currentSection = undefined;
  refs = [];
  lateRefs = [];
}

/** Called when a frontend, backend or listen section opens (undefined for global/defaults). */
export function enterStickSection(name: string | undefined): void {
  currentSection = name;
}

/**
 * A table a fetch or a rule names, or, with `name` undefined, the current
 * section's table. Returns the name to use at run time (undefined outside a
 * configuration read: the proxy running the rule decides then).
 */
export function noteTableRef(name: string | undefined, at: Loc, what: string): string | undefined {
  const n = name ?? (parsing ? currentSection : undefined);
  if (n !== undefined) (parsing ? refs : lateRefs).push({ name: n, at, what });
  return n;
}

/** Tables named by expressions compiled after the file was read (log-format strings): checked when the tables are built. */
let lateRefs: { name: string; at: Loc; what: string }[] = [];

export function checkLateTableRefs(declared: ReadonlySet<string>): void {
  const pending = lateRefs;
  lateRefs = [];
  for (const r of pending) checkTableReference(r.name, declared, r.at, r.what);
}

/** Called once the whole file is read: every named table must exist. */
export function endStickParse(declared: ReadonlySet<string>): void {
  const pending = refs;
  parsing = false;
  refs = [];
  currentSection = undefined;
  for (const r of pending) checkTableReference(r.name, declared, r.at, r.what);
}
