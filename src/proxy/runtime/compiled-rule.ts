import type { HttpRequestAction, HttpRule } from '../config/model.js';
import { AclCondition, type Acl } from '../acl/acl-condition.js';
import { LogFormat } from '../http/log-format.js';

/** An http-request/http-response rule with its condition and value templates compiled. */
export class CompiledRule {
  readonly cond: AclCondition | undefined;
  readonly format: LogFormat | undefined;

  /** `beforeBackend`: request rules of a frontend section, where backend fetches (be_name) are refused. */
  constructor(
    readonly action: HttpRequestAction,
    rule: HttpRule,
    acls: ReadonlyMap<string, Acl>,
    side: 'request' | 'response' = 'request',
    beforeBackend = false,
  ) {
    this.cond = rule.cond ? AclCondition.compile(rule.cond, acls, side) : undefined;
    const a = action;
    if ('format' in a) this.format = LogFormat.compile(a.format, rule.loc, side, beforeBackend);
    else if (a.kind === 'redirect') this.format = LogFormat.compile(a.value, rule.loc, side, beforeBackend);
    else this.format = undefined;
  }
}
