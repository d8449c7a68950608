import type { MatchMethod } from '../config/model.js';
import { parseSampleExpr, type SampleExpr } from '../sample/sample-expr.js';
import { lookupFetch, type FetchDef } from '../sample/sample-registry.js';

/**
 * Compatibility view over the sample registry (src/proxy/sample): the
 * fetches themselves are registered by family in sample/fetches/.
 */
export type FetchSpec = FetchDef;

export interface ParsedFetch {
  spec: FetchSpec;
  args: string[];
  suffixMatch?: MatchMethod;
  expr: SampleExpr;
}

const nowhere = { file: '<expr>', line: 0 };

/** Parses `name`, `name(arg,arg)` and suffixed forms; null when unknown, 'converter' when converters follow. */
export function parseFetch(text: string): ParsedFetch | null | 'converter' {
  let expr: SampleExpr;
  try {
    expr = parseSampleExpr(text, nowhere, { acl: true });
  } catch {
    return null;
  }
  if (expr.converters.length > 0) return 'converter';
  const spec = lookupFetch(expr.fetch.canonical) ?? expr.fetch;
  const out: ParsedFetch = { spec, args: [...expr.args], expr };
  if (expr.suffixMatch) out.suffixMatch = expr.suffixMatch;
  return out;
}
