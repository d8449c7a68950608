import type { MatchMethod } from '../config/model.js';

/**
 * One value inside a sample. Strings hold bytes as latin1 characters (the way
 * request heads are decoded), so byte-oriented converters stay exact.
 */
export type SampleValue = string | number | boolean | bigint;

/**
 * What a fetch returns: every occurrence as strings (ACLs test each one), a
 * number or a boolean. An empty array means "no sample".
 */
export type Sample = string[] | number | boolean;

/** HAProxy's sample types, as far as matching and conversion care. */
export type SampleType = 'str' | 'int' | 'bool' | 'ip' | 'bin' | 'meth' | 'any';

/** Where a fetch can be used; TCP-mode rules will accept only 'l4'/'l5'/'internal'. */
export type FetchLayer = 'internal' | 'l4' | 'l5' | 'l6' | 'l7req' | 'l7res';

/** The default ACL match method for a sample of this type. */
export function defaultMatchFor(type: SampleType): MatchMethod {
  switch (type) {
    case 'int':
      return 'int';
    case 'bool':
      return 'bool';
    case 'ip':
      return 'ip';
    default:
      return 'str';
  }
}

/** The first value of a sample, or undefined when there is none. */
export function firstValue(s: Sample): SampleValue | undefined {
  if (Array.isArray(s)) return s[0];
  return s;
}

/** HAProxy's text form of a value (booleans print as 1/0). */
export function valueToString(v: SampleValue): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

const INT_MAX = 2n ** 63n - 1n;
const INT_MIN = -(2n ** 63n);

/** Clamps to HAProxy's signed 64-bit range; a number when exact, a bigint beyond 2^53. */
export function intResult(n: bigint): number | bigint {
  const c = n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : n;
  return c >= BigInt(Number.MIN_SAFE_INTEGER) && c <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c) : c;
}

/**
 * HAProxy's string-to-integer cast: optional sign then the leading digits,
 * saturating at the 64-bit limits; text without digits gives 0 and only an
 * empty string fails.
 */
export function valueToInt(v: SampleValue): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === '') return undefined;
  const m = /^[-+]?(\d*)/.exec(v)!;
  if (m[1] === '') return 0;
  return intResult(BigInt(m[0]));
}

/** A value as a plain number (integers beyond 2^53 lose precision). */
export function valueToNumber(v: SampleValue): number | undefined {
  const n = valueToInt(v);
  return n === undefined ? undefined : Number(n);
}
