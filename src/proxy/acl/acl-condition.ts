import type { AclDefinition, ConditionModel } from '../config/model.js';
import type { SampleSource } from './sample-source.js';
import { PREDEFINED_ACLS } from './predefined-acls.js';
import { Acl } from './acl.js';

export { Acl } from './acl.js';

/** A compiled `if`/`unless` condition: OR of AND-groups of (possibly negated) ACLs. */
export class AclCondition {
  private constructor(
    private readonly unless: boolean,
    private readonly groups: { acl: Acl; negate: boolean }[][],
  ) {}

  /** `side` drops ACL lines whose fetch cannot work there (they never match, as in HAProxy). */
  static compile(model: ConditionModel, named: ReadonlyMap<string, Acl>, side?: 'request' | 'response'): AclCondition {
    const groups = model.groups.map((g) =>
      g.map((t) => {
        let acl = t.anonymous ? new Acl(t.anonymous.name, [t.anonymous]) : (named.get(t.name!) ?? predefined(t.name!));
        if (side) acl = acl.forSide(side);
        return { acl, negate: t.negate };
      }),
    );
    return new AclCondition(model.unless, groups);
  }

  test(src: SampleSource): boolean {
    let result = false;
    for (const group of this.groups) {
      let all = true;
      for (const term of group) {
        if (term.acl.test(src) === term.negate) {
          all = false;
          break;
        }
      }
      if (all) {
        result = true;
        break;
      }
    }
    return this.unless ? !result : result;
  }
}

const predefinedCache = new Map<string, Acl>();
function predefined(name: string): Acl {
  let acl = predefinedCache.get(name);
  if (!acl) {
    const def = PREDEFINED_ACLS.get(name);
    if (!def) throw new Error(`ACL '${name}' was not checked at parse time`);
    acl = new Acl(name, [def]);
    predefinedCache.set(name, acl);
  }
  return acl;
}

/** Groups a section's ACL lines by name (lines with one name OR together). */
export function compileNamedAcls(defs: readonly AclDefinition[]): Map<string, Acl> {
  const byName = new Map<string, AclDefinition[]>();
  for (const d of defs) {
    const list = byName.get(d.name) ?? [];
    list.push(d);
    byName.set(d.name, list);
  }
  return new Map([...byName].map(([n, list]) => [n, new Acl(n, list)]));
}
