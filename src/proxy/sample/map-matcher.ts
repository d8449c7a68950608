import { isIPv4, isIPv6 } from 'node:net';
import type { MatchMethod } from '../config/model.js';
import { DIR_DELIMITERS, DOM_DELIMITERS, matchWord } from '../acl/pattern-matcher.js';
import { ipMatcher } from '../acl/ip-matcher.js';

/** Finds which key of a map matches a value: its index, or -1. */
export type KeyMatcher = (value: string | number | bigint) => number;

function prefixLength(key: string): number {
  const slash = key.indexOf('/');
  if (slash < 0) return isIPv4(key) ? 32 : 128;
  const bits = key.slice(slash + 1);
  if (/^\d+$/.test(bits)) return Number(bits);
  // Dotted mask: count its leading one bits.
  return bits
    .split('.')
    .map(Number)
    .reduce((n, o) => n + (o.toString(2).match(/1/g)?.length ?? 0), 0);
}

/**
 * Compiles map keys for one match method. Exact strings use a table; IP keys
 * and prefixes pick the most specific entry (longest prefix) like HAProxy's
 * trees; the other methods take the first key in file order.
 */
export function compileKeyMatcher(method: MatchMethod, keys: readonly string[], ignoreCase = false): KeyMatcher {
  const fold = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const k = keys.map(fold);
  const first =
    (test: (v: string, key: string) => boolean): KeyMatcher =>
    (value) => {
      const v = fold(String(value));
      for (let i = 0; i < k.length; i++) if (test(v, k[i]!)) return i;
      return -1;
    };
  switch (method) {
    case 'str': {
      const table = new Map<string, number>();
      k.forEach((key, i) => {
        if (!table.has(key)) table.set(key, i);
      });
      return (value) => table.get(fold(String(value))) ?? -1;
    }
    case 'beg': {
      // A prefix tree in HAProxy: the longest matching key wins, whatever its line.
      const order = k.map((key, i) => ({ key, i })).sort((a, b) => b.key.length - a.key.length || a.i - b.i);
      return (value) => {
        const v = fold(String(value));
        return order.find((e) => v.startsWith(e.key))?.i ?? -1;
      };
    }
    case 'end':
      return first((v, key) => v.endsWith(key));
    case 'sub':
      return first((v, key) => v.includes(key));
    case 'dir':
      return first((v, key) => matchWord(v, key, DIR_DELIMITERS));
    case 'dom':
      return first((v, key) => matchWord(v, key, DOM_DELIMITERS));
    case 'reg': {
      const res = keys.map((key) => new RegExp(key, ignoreCase ? 'i' : ''));
      return (value) => {
        const v = String(value);
        return res.findIndex((r) => r.test(v));
      };
    }
    case 'len':
      return intKeys(keys, (value) => String(value).length);
    case 'int':
      return intKeys(keys, (value) => (typeof value === 'string' ? parseInt(value, 10) : Number(value)));
    case 'ip': {
      const tests = keys.map((key, i) => ({ i, bits: prefixLength(key), test: ipMatcher([key]), v4: isIPv4(key.split('/')[0]!) }));
      const ordered = [...tests].sort((a, b) => b.bits - a.bits || a.i - b.i);
      return (value) => {
        const v = String(value);
        if (!isIPv4(v) && !isIPv6(v)) return -1;
        const hit = ordered.find((t) => t.test(v));
        return hit ? hit.i : -1;
      };
    }
    default:
      return () => -1;
  }
}

/** Integer keys: `N` or ranges `N:M`, `:M`, `N:`; first matching key wins. */
function intKeys(keys: readonly string[], toInt: (v: string | number | bigint) => number): KeyMatcher {
  const ranges = keys.map((key) => {
    const r = /^(-?\d*):(-?\d*)$/.exec(key);
    if (r) return [r[1] === '' ? -Infinity : Number(r[1]), r[2] === '' ? Infinity : Number(r[2])] as const;
    const n = Number(key);
    return [n, n] as const;
  });
  return (value) => {
    const n = toInt(value);
    if (Number.isNaN(n)) return -1;
    return ranges.findIndex(([lo, hi]) => n >= lo && n <= hi);
  };
}
