import type { AclDefinition } from '../config/model.js';
import { compileMatcher, type SampleMatcher } from './pattern-matcher.js';
import { fetchSample } from './sample-fetch.js';
import { evalSample, fetchUsableOn, type SampleExpr } from '../sample/sample-expr.js';
import { lookupFetch } from '../sample/sample-registry.js';
import type { SampleSource } from './sample-source.js';

/** A named ACL: its definition lines OR together. */
export class Acl {
  private readonly parts: { fetch: string; args: readonly string[]; expr: SampleExpr | undefined; match: SampleMatcher }[];

  constructor(
    readonly name: string,
    defs: readonly AclDefinition[],
  ) {
    this.parts = defs.map((d) => ({ fetch: d.fetch, args: d.fetchArgs, expr: d.expr, match: compileMatcher(d) }));
  }

  /**
   * The same ACL as seen from `side`: lines whose fetch has no value there
   * never match (HAProxy warns about them and keeps the rule).
   */
  forSide(side: 'request' | 'response'): Acl {
    const cached = side === 'request' ? this.reqView : this.resView;
    if (cached) return cached;
    const view = Object.create(Acl.prototype) as Acl;
    const parts = this.parts.filter((p) => {
      const def = p.expr?.fetch ?? lookupFetch(p.fetch);
      return !def || fetchUsableOn(def, side, true);
    });
    Object.assign(view, { name: this.name, parts });
    if (side === 'request') this.reqView = view;
    else this.resView = view;
    return view;
  }
  private reqView: Acl | undefined;
  private resView: Acl | undefined;

  test(src: SampleSource): boolean {
    for (const p of this.parts) {
      const sample = p.expr ? evalSample(p.expr, src, true) : fetchSample(p.fetch, p.args, src, true);
      if (p.match(sample)) return true;
    }
    return false;
  }
}
