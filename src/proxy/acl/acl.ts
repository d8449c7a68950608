import type { AclDefinition } from '../config/model.js';
import { compileMatcher, type SampleMatcher } from './pattern-matcher.js';
import { fetchSample } from './sample-fetch.js';
import type { SampleSource } from './sample-source.js';

/** A named ACL: its definition lines OR together. */
export class Acl {
  private readonly parts: { fetch: string; args: readonly string[]; match: SampleMatcher }[];

  constructor(readonly name: string, defs: readonly AclDefinition[]) {
    this.parts = defs.map((d) => ({ fetch: d.fetch, args: d.fetchArgs, match: compileMatcher(d) }));
  }

  test(src: SampleSource): boolean {
    for (const p of this.parts) if (p.match(fetchSample(p.fetch, p.args, src, true))) return true;
    return false;
  }
}
