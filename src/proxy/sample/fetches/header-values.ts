import { headerValues } from '../../acl/sample-source.js';
import type { Sample } from '../sample-types.js';

/** Splits header values on commas the way HAProxy's hdr() does (not fhdr()). */
export function splitCommas(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const part of v.split(',')) out.push(part.trim());
  return out;
}

/** Picks occurrence `occ` (1 = first, -1 = last, 0 = all). */
export function pickOccurrence(values: string[], occ: string | undefined): string[] {
  if (occ === undefined || values.length === 0) return values;
  const n = Number(occ);
  if (n === 0) return values;
  const v = n < 0 ? values[values.length + n] : values[n - 1];
  return v === undefined ? [] : [v];
}

/**
 * hdr()/fhdr() over a header list. Outside ACLs, without an occurrence, the
 * last one is returned (HAProxy's default occurrence -1 for samples).
 */
export function headerSample(headers: [string, string][], args: readonly string[], split: boolean, forAcl: boolean): Sample {
  if (args.length === 0 || args[0] === '') {
    const all = headers.map(([, v]) => v);
    const values = split ? splitCommas(all) : all;
    if (!forAcl && args[1] === undefined && values.length > 0) return [values[values.length - 1]!];
    return pickOccurrence(values, args[1]);
  }
  const raw = headerValues(headers, args[0]!.toLowerCase());
  const all = split ? splitCommas(raw) : raw;
  if (!forAcl && args[1] === undefined && all.length > 0) return [all[all.length - 1]!];
  return pickOccurrence(all, args[1]);
}

/** hdr_cnt(): occurrences after comma splitting (fhdr_cnt does not split). */
export function headerCount(headers: [string, string][], name: string | undefined, split: boolean): number {
  if (!name) return headers.length;
  const raw = headerValues(headers, name.toLowerCase());
  return split ? splitCommas(raw).length : raw.length;
}

/** Cookie values named `name` (all cookies when empty) from Cookie or Set-Cookie lines. */
export function cookieValues(headers: [string, string][], headerName: 'cookie' | 'set-cookie', name: string | undefined): string[] {
  const out: string[] = [];
  for (const line of headerValues(headers, headerName)) {
    const parts = headerName === 'set-cookie' ? [line.split(';')[0]!] : line.split(';');
    for (const part of parts) {
      const eq = part.indexOf('=');
      const k = (eq < 0 ? part : part.slice(0, eq)).trim();
      if (name === undefined || name === '' || k === name) out.push(eq < 0 ? '' : part.slice(eq + 1).trim());
    }
  }
  return out;
}
