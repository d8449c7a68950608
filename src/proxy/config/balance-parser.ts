import type { Loc, ProxySettings } from './model.js';
import type { BalanceModel, HashTypeModel } from './server-model.js';
import type { HashFunctionName } from '../balance/hash-functions.js';
import { syntaxError, unsupportedError } from './config-errors.js';
import { parseSampleExpr } from '../sample/sample-expr.js';

function positive(text: string | undefined, at: Loc, what: string): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) <= 0)
    throw syntaxError(at, `balance uri : '${what}' expects a positive integer (got '${text ?? ''}')`);
  return Number(text);
}

/** `balance ALGO [arguments]`, as HAProxy 2.6 reads it. */
export function parseBalance(words: readonly string[], at: Loc, settings: ProxySettings): void {
  const algo = words[1] ?? '';
  const rest = words.slice(2);
  const set = (b: BalanceModel) => {
    settings.balance = { ...b, loc: at };
  };
  switch (algo) {
    case 'roundrobin':
    case 'static-rr':
    case 'leastconn':
    case 'source':
    case 'first':
      // HAProxy ignores words after these algorithms.
      set({ algo });
      return;
    case 'random':
      set({ algo });
      return;
    case 'uri': {
      const uri = { whole: false, len: 0, depth: 0, pathOnly: false };
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i];
        if (w === 'len') uri.len = positive(rest[++i], at, 'len');
        else if (w === 'depth') uri.depth = positive(rest[++i], at, 'depth');
        else if (w === 'whole') uri.whole = true;
        else if (w === 'path-only') uri.pathOnly = true;
        else throw syntaxError(at, `balance uri only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '${w}')`);
      }
      set({ algo, uri });
      return;
    }
    case 'url_param': {
      const name = rest[0];
      if (!name) throw syntaxError(at, `balance url_param requires an URL parameter name`);
      if (rest[1] === 'check_post')
        throw unsupportedError(at, `'balance url_param ${name} check_post' (hashing on a POST body) is not supported; remove check_post`);
      set({ algo, param: name });
      return;
    }
    case 'hash': {
      const text = rest.join(' ');
      if (!text) throw syntaxError(at, `balance hash requires a sample expression`);
      const expr = parseSampleExpr(text, at);
      set({ algo: 'hash', expr: text, compiled: expr });
      return;
    }
  }
  const hdr = /^hdr\(([^)]*)\)$/.exec(algo);
  if (hdr) {
    if (!hdr[1]) throw syntaxError(at, `balance hdr() requires a header name`);
    let domainOnly = false;
    for (const w of rest) {
      if (w === 'use_domain_only') domainOnly = true;
      else throw syntaxError(at, `balance ${algo} only accepts 'use_domain_only' modifier (got '${w}')`);
    }
    set({ algo: 'hdr', hdr: { name: hdr[1], domainOnly } });
    return;
  }
  if (algo === 'rdp-cookie' || algo.startsWith('rdp-cookie(')) {
    throw unsupportedError(at, `'balance ${algo}' (Remote Desktop cookies, a TCP-mode algorithm) is not supported; use source, uri, hdr() or roundrobin`);
  }
  if (algo.startsWith('random(')) {
    set({ algo: 'random' });
    return;
  }
  throw syntaxError(
    at,
    `balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hash', 'hdr(name)', 'random' and 'first'; got '${algo}'`,
  );
}

const FUNCTIONS = new Set(['sdbm', 'djb2', 'wt6', 'crc32']);

/** `hash-type map-based|consistent [sdbm|djb2|wt6|crc32] [avalanche]`. */
export function parseHashType(words: readonly string[], at: Loc, settings: ProxySettings): void {
  const type = words[1];
  if (type === 'avalanche') throw syntaxError(at, `'hash-type avalanche' is not supported anymore; write 'hash-type map-based sdbm avalanche'`);
  if (type !== 'map-based' && type !== 'consistent') throw syntaxError(at, `'hash-type' expects 'map-based' or 'consistent', got '${type ?? ''}'`);
  const ht: HashTypeModel = { type, fn: 'sdbm', avalanche: false, loc: at };
  let i = 2;
  // `hash-type consistent` alone also mixes the hash (avalanche); naming a function turns that off.
  if (words[i] === undefined && type === 'consistent') ht.avalanche = true;
  if (words[i] !== undefined) {
    if (!FUNCTIONS.has(words[i]!)) throw syntaxError(at, `unknown hash function '${words[i]}' after hash-type; use sdbm, djb2, wt6 or crc32`);
    ht.fn = words[i] as HashFunctionName;
    i++;
  }
  if (words[i] !== undefined) {
    if (words[i] !== 'avalanche') throw syntaxError(at, `'hash-type' only supports 'avalanche' as a modifier for hash functions`);
    ht.avalanche = true;
    i++;
  }
  if (words[i] !== undefined) throw syntaxError(at, `unexpected '${words[i]}' after hash-type`);
  settings.hashType = ht;
}
