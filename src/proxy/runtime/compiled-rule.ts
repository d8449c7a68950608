import type { HttpRequestAction, HttpRule } from '../config/model.js';
import { AclCondition, type Acl } from '../acl/acl-condition.js';
import { LogFormat } from '../http/log-format.js';

/** An http-request/http-response rule with its condition and value templates compiled. */
export class CompiledRule {
  readonly cond: AclCondition | undefined;
  readonly format: LogFormat | undefined;

  constructor(readonly action: HttpRequestAction, rule: HttpRule, acls: ReadonlyMap<string, Acl>) {
    this.cond = rule.cond ? AclCondition.compile(rule.cond, acls) : undefined;
    const a = action;
    if ('format' in a) this.format = LogFormat.compile(a.format, rule.loc);
    else if (a.kind === 'redirect') this.format = LogFormat.compile(a.value, rule.loc);
    else this.format = undefined;
  }
}
