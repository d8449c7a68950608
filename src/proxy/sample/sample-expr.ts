import type { Loc, MatchMethod } from '../config/model.js';
import { syntaxError, unsupportedError } from '../config/config-errors.js';
import type { SampleSource } from '../acl/sample-source.js';
import { lookupConverter, lookupFetch, type ConverterFn, type FetchDef } from './sample-registry.js';
import { defaultMatchFor, valueToInt, valueToString, type Sample, type SampleType, type SampleValue } from './sample-types.js';
import { splitArgs } from './sample-args.js';
import { resolveConfigPath } from './config-paths.js';
import './fetches/all-fetches.js';
import './converters/all-converters.js';
import { httpAvailable } from '../tcp/payload-view.js';

/** ACL keyword suffixes (`path_beg`, `hdr_dom(host)`) and the match method they fix. */
const SUFFIXES: Record<string, MatchMethod> = {
  beg: 'beg',
  end: 'end',
  sub: 'sub',
  dir: 'dir',
  dom: 'dom',
  reg: 'reg',
  len: 'len',
  val: 'int',
  ip: 'ip',
};

interface ConverterStep {
  name: string;
  input: SampleType;
  fn: ConverterFn;
}

/** A compiled sample expression: one fetch and its converters. */
export interface SampleExpr {
  readonly text: string;
  readonly fetch: FetchDef;
  readonly args: readonly string[];
  /** Set for suffixed ACL forms such as `path_beg`. */
  readonly suffixMatch?: MatchMethod;
  readonly converters: readonly ConverterStep[];
  /** Type of the final value (drives the default ACL match). */
  readonly type: SampleType;
}

/** The match an ACL uses for this expression without `-m`. */
export function exprDefaultMatch(e: SampleExpr): MatchMethod {
  if (e.suffixMatch) return e.suffixMatch;
  if (e.converters.length === 0) return e.fetch.defaultMatch;
  return defaultMatchFor(e.type);
}

function nameAt(text: string, from: number): string {
  return /^[A-Za-z0-9_.+-]*/.exec(text.slice(from))![0];
}

/** Finds a fetch by name, or by a suffixed ACL form of it. */
function resolveFetch(name: string): { def: FetchDef; suffix?: MatchMethod } | null {
  const def = lookupFetch(name);
  if (def) return { def };
  const cut = name.lastIndexOf('_');
  if (cut <= 0) return null;
  const base = lookupFetch(name.slice(0, cut));
  const suffix = SUFFIXES[name.slice(cut + 1)];
  if (base && suffix && base.suffixes) return { def: base, suffix };
  return null;
}

export interface ParseSampleOptions {
  /** ACL suffix forms (`path_beg`) are allowed only in ACLs. */
  readonly acl?: boolean;
  /** Where the expression appears, for error messages. */
  readonly context?: string;
  /** Which HTTP message the rule sees: request fetches are refused on the response side and the reverse. */
  readonly side?: 'request' | 'response';
  /** The expression runs before a backend is chosen (a frontend's request rules). */
  readonly beforeBackend?: boolean;
}

/** Whether a fetch can give a value where `side` rules run (ACL terms that cannot never match). */
export function fetchUsableOn(def: FetchDef, side: 'request' | 'response', inAcl: boolean): boolean {
  if (side === 'request') return def.layer !== 'l7res';
  if (def.layer !== 'l7req') return true;
  return def.responseUse === 'always' || (def.responseUse === 'sample' && !inAcl);
}

/** Parses `fetch[(args)][,conv[(args)]]…`; throws a config error naming the line. */
export function parseSampleExpr(text: string, at: Loc, opts: ParseSampleOptions = {}): SampleExpr {
  const ctxText = opts.context ? ` in ${opts.context}` : '';
  const name = nameAt(text, 0);
  if (name === '') throw syntaxError(at, `missing sample fetch${ctxText} ('${text}')`);
  const found = resolveFetch(name);
  if (!found) throw unsupportedError(at, `unknown or unsupported sample fetch '${name}'${ctxText}`);
  if (found.suffix && !opts.acl) throw unsupportedError(at, `'${name}' is an ACL-only form${ctxText}; use the fetch without suffix with a converter or an ACL`);
  if (opts.beforeBackend && found.def.needs === 'backend') {
    throw syntaxError(at, `sample fetch '${name}'${ctxText} may not be used here: it needs the backend, which a frontend's http-request rules run before`);
  }
  if (opts.side === 'request' && found.def.needs === 'server') {
    throw syntaxError(at, `sample fetch '${name}'${ctxText} may not be used here: it needs the server, which is not chosen yet in http-request rules`);
  }
  if (opts.side && !opts.acl && !fetchUsableOn(found.def, opts.side, false)) {
    throw syntaxError(
      at,
      `sample fetch '${name}'${ctxText} may not be used here: it needs the HTTP ${opts.side === 'response' ? 'request' : 'response'}, which is not available in http-${opts.side} rules`,
    );
  }
  let i = name.length;
  let args: string[] = [];
  if (text[i] === '(') {
    const split = splitArgs(text, i);
    if (!split) throw syntaxError(at, `missing closing ')' after arguments to fetch '${name}'${ctxText}`);
    args = split.args;
    i = split.end;
  }
  const def = found.def;
  if (args.length < def.args[0]) throw syntaxError(at, `fetch method '${name}' expects at least ${def.args[0]} argument(s)${ctxText}`);
  if (args.length > def.args[1]) throw syntaxError(at, `fetch method '${name}' expects at most ${def.args[1]} argument(s)${ctxText}`);
  if (def.checkArgs) args = def.checkArgs(args, at);
  const converters: ConverterStep[] = [];
  let type: SampleType = found.suffix === 'int' || found.suffix === 'len' ? 'int' : found.suffix === 'ip' ? 'ip' : def.type;
  while (i < text.length) {
    if (text[i] !== ',') throw syntaxError(at, `unexpected '${text.slice(i)}' after sample fetch '${name}'${ctxText}; converters follow a comma`);
    const cname = nameAt(text, i + 1);
    i += 1 + cname.length;
    const conv = lookupConverter(cname);
    if (!conv) throw unsupportedError(at, `unknown or unsupported converter '${cname}'${ctxText}`);
    let cargs: string[] = [];
    if (text[i] === '(') {
      const split = splitArgs(text, i);
      if (!split) throw syntaxError(at, `missing closing ')' after arguments to converter '${cname}'${ctxText}`);
      cargs = split.args;
      i = split.end;
    }
    if (cargs.length < conv.args[0]) throw syntaxError(at, `converter '${cname}' expects at least ${conv.args[0]} argument(s)${ctxText}`);
    if (cargs.length > conv.args[1]) throw syntaxError(at, `converter '${cname}' expects at most ${conv.args[1]} argument(s)${ctxText}`);
    if (!castable(type, conv.input)) throw syntaxError(at, `converter '${cname}' cannot be applied to a ${type} sample${ctxText}`);
    const fn = conv.compile(cargs, { at, resolvePath: resolveConfigPath });
    converters.push({ name: cname, input: conv.input, fn });
    type = conv.output === 'any' ? (conv.input === 'any' ? type : conv.input) : conv.output;
  }
  const e: SampleExpr = found.suffix ? { text, fetch: def, args, suffixMatch: found.suffix, converters, type } : { text, fetch: def, args, converters, type };
  return e;
}

/** HAProxy's cast table, reduced: which static types a converter input accepts. */
function castable(from: SampleType, to: SampleType): boolean {
  if (to === 'any' || from === 'any' || from === to) return true;
  if (to === 'str' || to === 'bin') return true;
  if (to === 'int') return from === 'str' || from === 'bool' || from === 'meth';
  if (to === 'bool') return from === 'int' || from === 'str';
  if (to === 'ip') return from === 'str';
  return false;
}

/** Casts one runtime value to a converter's input type; undefined when it fails. */
export function castValue(v: SampleValue, to: SampleType): SampleValue | undefined {
  switch (to) {
    case 'str':
    case 'bin':
    case 'meth':
      return typeof v === 'string' ? v : valueToString(v);
    case 'int':
      return valueToInt(v);
    case 'bool': {
      if (typeof v === 'boolean') return v;
      const n = valueToInt(v);
      return n === undefined ? undefined : Number(n) !== 0;
    }
    case 'ip':
      return typeof v === 'string' ? v : undefined;
    default:
      return v;
  }
}

function applyConverters(e: SampleExpr, v: SampleValue, src: SampleSource): SampleValue | undefined {
  let cur: SampleValue | undefined = v;
  for (const c of e.converters) {
    cur = castValue(cur, c.input);
    if (cur === undefined) return undefined;
    // A converter that cannot handle a value loses the sample instead of failing the request.
    try {
      cur = c.fn(cur, src);
    } catch {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Runs the expression for an ACL: every occurrence, each through the converters. */
export function evalSample(e: SampleExpr, src: SampleSource, forAcl: boolean): Sample {
  if ((e.fetch.layer === 'l7req' || e.fetch.layer === 'l7res') && !httpAvailable(src)) return [];
  const raw = e.fetch.impl(e.args, src, forAcl);
  if (e.converters.length === 0) return raw;
  const values: SampleValue[] = Array.isArray(raw) ? raw : [raw];
  const out: SampleValue[] = [];
  for (const v of values) {
    const r = applyConverters(e, v, src);
    if (r !== undefined) out.push(r);
  }
  if (out.length === 1 && (typeof out[0] === 'number' || typeof out[0] === 'boolean')) return out[0];
  return out.map(valueToString);
}

/** Runs the expression where one value is wanted (log-format, set-var, use_backend). */
export function evalSampleOne(e: SampleExpr, src: SampleSource): SampleValue | undefined {
  if ((e.fetch.layer === 'l7req' || e.fetch.layer === 'l7res') && !httpAvailable(src)) return undefined;
  const raw = e.fetch.impl(e.args, src, false);
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined) return undefined;
  return e.converters.length === 0 ? v : applyConverters(e, v, src);
}
