import type { BindModel, ForwardForModel, ProxySection, TimeoutName } from '../config/model.js';
import type { Acl } from '../acl/acl-condition.js';
import type { AclCondition } from '../acl/acl-condition.js';
import type { Backend } from './backend.js';
import type { CompiledRule } from './compiled-rule.js';
import type { LogFormat } from '../http/log-format.js';
import { TrafficCounters } from './server.js';

/** One `use_backend` rule; `format` names the backend per request (dynamic use_backend), then `backend` is undefined. */
export interface UseBackendRule {
  readonly backend: Backend | undefined;
  readonly cond: AclCondition | undefined;
  readonly format?: LogFormat;
}

/** What a frontend is made of, as the router compiles it from its section. */
export interface FrontendOptions {
  readonly name: string;
  readonly model: ProxySection;
  readonly binds: readonly BindModel[];
  readonly acls: ReadonlyMap<string, Acl>;
  readonly requestRules: readonly CompiledRule[];
  readonly responseRules: readonly CompiledRule[];
  readonly useBackends: readonly UseBackendRule[];
  readonly defaultBackend: Backend | undefined;
  readonly statsUri: string | undefined;
  readonly timeouts: Partial<Record<TimeoutName, number>>;
  readonly httplog: boolean;
  readonly forwardfor: ForwardForModel | undefined;
  readonly maxconn: number | undefined;
}

/** A frontend (or the front half of a listen section) at runtime. */
export class Frontend {
  readonly counters = new TrafficCounters();
  /** Client connections currently open. */
  connections = 0;
  readonly name: string;
  readonly model: ProxySection;
  readonly binds: readonly BindModel[];
  readonly acls: ReadonlyMap<string, Acl>;
  readonly requestRules: readonly CompiledRule[];
  readonly responseRules: readonly CompiledRule[];
  readonly useBackends: readonly UseBackendRule[];
  readonly defaultBackend: Backend | undefined;
  readonly statsUri: string | undefined;
  readonly timeouts: Partial<Record<TimeoutName, number>>;
  readonly httplog: boolean;
  readonly forwardfor: ForwardForModel | undefined;
  readonly maxconn: number | undefined;

  constructor(o: FrontendOptions) {
    this.name = o.name;
    this.model = o.model;
    this.binds = o.binds;
    this.acls = o.acls;
    this.requestRules = o.requestRules;
    this.responseRules = o.responseRules;
    this.useBackends = o.useBackends;
    this.defaultBackend = o.defaultBackend;
    this.statsUri = o.statsUri;
    this.timeouts = o.timeouts;
    this.httplog = o.httplog;
    this.forwardfor = o.forwardfor;
    this.maxconn = o.maxconn;
  }
}
