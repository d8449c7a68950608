import type { Loc } from '../config/model.js';
import { syntaxError } from '../config/config-errors.js';

/** One `cache NAME` section. Sizes in bytes, max-age in seconds (HAProxy's defaults). */
export interface CacheModel {
  readonly name: string;
  totalMaxSize: number;
  maxObjectSize: number;
  maxAge: number;
  processVary: boolean;
  maxSecondaryEntries: number;
  readonly loc: Loc;
}

export function freshCache(name: string, at: Loc): CacheModel {
  return { name, totalMaxSize: 0, maxObjectSize: 0, maxAge: 60, processVary: false, maxSecondaryEntries: 10, loc: at };
}

function wholeNumber(v: string | undefined, at: Loc, what: string): number {
  if (v === undefined || !/^\d+$/.test(v)) throw syntaxError(at, `'${what}' needs a whole number, got '${v ?? ''}'`);
  return Number(v);
}

/** Parses one line inside a `cache` section. */
export function parseCacheLine(c: CacheModel, words: readonly string[], at: Loc): void {
  const [kw, v] = words;
  switch (kw) {
    case 'total-max-size': {
      const mb = wholeNumber(v, at, kw);
      if (mb > 4095) throw syntaxError(at, `'total-max-size' is in megabytes and at most 4095`);
      c.totalMaxSize = mb * 1024 * 1024;
      return;
    }
    case 'max-object-size':
      c.maxObjectSize = wholeNumber(v, at, kw);
      return;
    case 'max-age':
      c.maxAge = wholeNumber(v, at, kw);
      return;
    case 'process-vary':
      if (v !== 'on' && v !== 'off') throw syntaxError(at, `'process-vary' expects 'on' or 'off'`);
      c.processVary = v === 'on';
      return;
    case 'max-secondary-entries':
      c.maxSecondaryEntries = wholeNumber(v, at, kw);
      return;
  }
  throw syntaxError(
    at,
    `unknown keyword '${kw ?? ''}' in cache section; expected total-max-size, max-object-size, max-age, process-vary or max-secondary-entries`,
  );
}

/** Fills the defaults HAProxy derives once the section is complete. */
export function finishCache(c: CacheModel): void {
  if (c.totalMaxSize === 0) throw syntaxError(c.loc, `cache '${c.name}' needs 'total-max-size N' (megabytes)`);
  // HAProxy's default object limit is a 256th of the cache.
  if (c.maxObjectSize === 0) c.maxObjectSize = Math.floor(c.totalMaxSize / 256);
  if (c.maxObjectSize > c.totalMaxSize / 2) throw syntaxError(c.loc, `cache '${c.name}': max-object-size cannot be more than half of total-max-size`);
}
