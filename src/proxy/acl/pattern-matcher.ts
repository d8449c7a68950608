import type { AclDefinition } from '../config/model.js';
import type { Sample } from './sample-fetch.js';
import { ipMatcher } from './ip-matcher.js';

export type SampleMatcher = (sample: Sample) => boolean;

/**
 * Word delimiters of HAProxy's dir and dom matching, measured against
 * HAProxy 2.6: `/` and `?` always separate words, dom adds `.` and `:` (so
 * `example.com` matches the Host `www.example.com:8080`).
 */
export const DIR_DELIMITERS = '/?';
export const DOM_DELIMITERS = '/?.:';

/**
 * Finds `pattern` in `value` as a whole word between delimiters (any
 * character of `delims`) or string edges; delimiters at the ends of the
 * pattern do not count.
 */
export function matchWord(value: string, pattern: string, delims: string): boolean {
  let p = pattern;
  while (p !== '' && delims.includes(p[0]!)) p = p.slice(1);
  while (p !== '' && delims.includes(p[p.length - 1]!)) p = p.slice(0, -1);
  if (p === '') return false;
  let from = 0;
  for (;;) {
    const at = value.indexOf(p, from);
    if (at < 0) return false;
    const before = at === 0 || delims.includes(value[at - 1]!);
    const end = at + p.length;
    const after = end === value.length || delims.includes(value[end]!);
    if (before && after) return true;
    from = at + 1;
  }
}

type IntTest = (n: number) => boolean;

/** Integer patterns: `N`, `N:M`, `:M`, `N:` and the operators eq/ge/gt/le/lt followed by N. */
function intTests(patterns: readonly string[]): IntTest[] {
  const tests: IntTest[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    const op = ['eq', 'ge', 'gt', 'le', 'lt'].includes(p) ? p : null;
    if (op) {
      const n = Number(patterns[++i]);
      tests.push(op === 'eq' ? (v) => v === n : op === 'ge' ? (v) => v >= n : op === 'gt' ? (v) => v > n : op === 'le' ? (v) => v <= n : (v) => v < n);
      continue;
    }
    const range = /^(\d*):(\d*)$/.exec(p);
    if (range) {
      const lo = range[1] === '' ? -Infinity : Number(range[1]);
      const hi = range[2] === '' ? Infinity : Number(range[2]);
      tests.push((v) => v >= lo && v <= hi);
    } else {
      const n = Number(p);
      tests.push((v) => v === n);
    }
  }
  return tests;
}

function strings(sample: Sample): string[] {
  if (Array.isArray(sample)) return sample;
  if (typeof sample === 'number') return [String(sample)];
  return sample ? ['1'] : [];
}

/** Compiles an ACL definition's patterns and match method into one predicate. */
export function compileMatcher(def: AclDefinition): SampleMatcher {
  const fold = def.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const pats = def.patterns.map(fold);
  const anyString =
    (test: (v: string) => boolean): SampleMatcher =>
    (sample) => {
      for (const v of strings(sample)) if (test(fold(v))) return true;
      return false;
    };
  switch (def.match) {
    case 'str': {
      const set = new Set(pats);
      return anyString((v) => set.has(v));
    }
    case 'beg':
      return anyString((v) => pats.some((p) => v.startsWith(p)));
    case 'end':
      return anyString((v) => pats.some((p) => v.endsWith(p)));
    case 'sub':
      return anyString((v) => pats.some((p) => v.includes(p)));
    case 'dir':
      return anyString((v) => pats.some((p) => matchWord(v, p, DIR_DELIMITERS)));
    case 'dom':
      return anyString((v) => pats.some((p) => matchWord(v, p, DOM_DELIMITERS)));
    case 'reg': {
      const res = def.patterns.map((p) => new RegExp(p, def.ignoreCase ? 'i' : ''));
      return (sample) => strings(sample).some((v) => res.some((r) => r.test(v)));
    }
    case 'found':
      return (sample) => (Array.isArray(sample) ? sample.length > 0 : true);
    case 'len': {
      const tests = intTests(def.patterns);
      return (sample) => strings(sample).some((v) => tests.some((t) => t(v.length)));
    }
    case 'int': {
      const tests = intTests(def.patterns);
      return (sample) => {
        const values =
          typeof sample === 'number'
            ? [sample]
            : strings(sample)
                .map((v) => parseInt(v, 10))
                .filter((n) => !Number.isNaN(n));
        return values.some((n) => tests.some((t) => t(n)));
      };
    }
    case 'ip': {
      const test = ipMatcher(def.patterns);
      return (sample) => strings(sample).some(test);
    }
    case 'bin': {
      // Patterns are hex strings; samples hold bytes as latin1 characters.
      const wanted = new Set(def.patterns.map((p) => Buffer.from(p, 'hex').toString('latin1')));
      return (sample) => strings(sample).some((v) => wanted.has(v));
    }
    case 'bool':
      return (sample) => (typeof sample === 'boolean' ? sample : typeof sample === 'number' ? sample !== 0 : sample.some((v) => v !== '' && v !== '0'));
  }
}
