import type { BindModel, ForwardForModel, ProxySection, TimeoutName } from '../config/model.js';
import type { Acl } from '../acl/acl-condition.js';
import type { AclCondition } from '../acl/acl-condition.js';
import type { Backend } from './backend.js';
import type { CompiledRule } from './compiled-rule.js';
import type { LogFormat } from '../http/log-format.js';
import { TrafficCounters } from './server.js';

/** A frontend (or the front half of a listen section) at runtime. */
export class Frontend {
  readonly counters = new TrafficCounters();
  /** Client connections currently open. */
  connections = 0;

  constructor(
    readonly name: string,
    readonly model: ProxySection,
    readonly binds: readonly BindModel[],
    readonly acls: ReadonlyMap<string, Acl>,
    readonly requestRules: readonly CompiledRule[],
    readonly responseRules: readonly CompiledRule[],
    /** `format` names the backend per request (dynamic use_backend); then `backend` is undefined. */
    readonly useBackends: readonly { backend: Backend | undefined; cond: AclCondition | undefined; format?: LogFormat }[],
    readonly defaultBackend: Backend | undefined,
    readonly statsUri: string | undefined,
    readonly timeouts: Partial<Record<TimeoutName, number>>,
    readonly httplog: boolean,
    readonly forwardfor: ForwardForModel | undefined,
    readonly maxconn: number | undefined,
  ) {}
}
