import type { SampleSource } from './sample-source.js';
import { lookupFetch } from '../sample/sample-registry.js';
import type { Sample } from '../sample/sample-types.js';
import '../sample/sample-expr.js';

export type { Sample } from '../sample/sample-types.js';
export { plainAddress } from '../sample/fetches/connection-fetches.js';

/** Runs one registered sample fetch by name. `forAcl` keeps HAProxy's ACL-time comma splitting of hdr(). */
export function fetchSample(fetch: string, args: readonly string[], src: SampleSource, forAcl: boolean): Sample {
  const def = lookupFetch(fetch);
  if (!def) throw new Error(`sample fetch '${fetch}' has no implementation`);
  return def.impl(args, src, forAcl);
}
