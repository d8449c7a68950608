/**
 * The configuration model: what the file says, section by section, with the
 * source location of every statement so that later stages (reference checks,
 * compilation) can still point at the line that caused a problem.
 */
export interface Loc { readonly file: string; readonly line: number }

export interface AclTerm {
  /** Name of a declared or predefined ACL, or an anonymous `{ ... }` definition. */
  readonly name?: string;
  readonly anonymous?: AclDefinition;
  readonly negate: boolean;
}

/** `if`/`unless` condition: OR of AND-groups of terms. */
export interface ConditionModel {
  readonly unless: boolean;
  readonly groups: readonly (readonly AclTerm[])[];
  readonly loc: Loc;
}

export interface AclDefinition {
  readonly name: string;
  /** Fetch name without match suffix, e.g. `hdr`, `path`, `req.cook`. */
  readonly fetch: string;
  readonly fetchArgs: readonly string[];
  readonly match: MatchMethod;
  readonly ignoreCase: boolean;
  readonly patterns: readonly string[];
  readonly loc: Loc;
}

export type MatchMethod = 'str' | 'beg' | 'end' | 'sub' | 'dir' | 'dom' | 'reg' | 'found' | 'len' | 'int' | 'ip' | 'bool';

export type HttpRequestAction =
  | { kind: 'allow' }
  | { kind: 'deny'; status: number }
  | { kind: 'return'; status: number; contentType?: string; body?: string; headers: [string, string][] }
  | { kind: 'redirect'; type: 'location' | 'prefix' | 'scheme'; value: string; code: number; dropQuery: boolean; appendSlash: boolean; cookie?: { set: boolean; value: string } }
  | { kind: 'set-header' | 'add-header'; name: string; format: string }
  | { kind: 'del-header'; name: string }
  | { kind: 'set-path' | 'set-query' | 'set-uri' | 'set-method'; format: string };

export interface HttpRule {
  readonly action: HttpRequestAction;
  readonly cond?: ConditionModel;
  readonly loc: Loc;
}

export interface UseBackendRule { readonly backend: string; readonly cond?: ConditionModel; readonly loc: Loc }

export interface BindModel {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly certFiles: readonly string[];
  readonly alpn: readonly string[];
  readonly loc: Loc;
}

export interface ServerOptions {
  check?: boolean;
  inter?: number;
  fastinter?: number;
  downinter?: number;
  rise?: number;
  fall?: number;
  weight?: number;
  backup?: boolean;
  maxconn?: number;
  disabled?: boolean;
  cookie?: string;
  port?: number;
}

export interface ServerModel {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly options: ServerOptions;
  readonly loc: Loc;
}

export interface HttpCheckModel {
  method: string;
  uri: string;
  version: string;
  headers: [string, string][];
  /** Expected statuses as ranges; empty = HAProxy's default of 2xx and 3xx. */
  expectStatus: [number, number][];
  loc: Loc;
}

export interface ForwardForModel { header: string; ifNone: boolean; except?: string }

export interface CookieModel { name: string; insert: boolean; indirect: boolean; nocache: boolean; preserve: boolean; httponly: boolean; secure: boolean; loc: Loc }

/** Settings shared by defaults, frontends and backends (what defaults hand down). */
export interface ProxySettings {
  mode: 'http';
  maxconn?: number;
  timeouts: Partial<Record<TimeoutName, number>>;
  httplog: boolean;
  logEnabled: boolean;
  forwardfor?: ForwardForModel;
  redispatch?: number;
  httpchk?: HttpCheckModel;
  balance: { algo: BalanceAlgo; loc?: Loc };
  retries: number;
  defaultBackend?: { name: string; loc: Loc };
  cookie?: CookieModel;
  defaultServer: ServerOptions;
}

export type TimeoutName = 'connect' | 'client' | 'server' | 'http-request' | 'http-keep-alive' | 'queue' | 'check' | 'tunnel';
export type BalanceAlgo = 'roundrobin' | 'static-rr' | 'leastconn' | 'source' | 'uri' | 'first' | 'random';

export interface StatsModel { uri: string; loc: Loc }

export interface ProxySection {
  readonly kind: 'frontend' | 'backend' | 'listen';
  readonly name: string;
  readonly loc: Loc;
  settings: ProxySettings;
  binds: BindModel[];
  acls: AclDefinition[];
  requestRules: HttpRule[];
  responseRules: HttpRule[];
  useBackends: UseBackendRule[];
  servers: ServerModel[];
  stats?: StatsModel;
}

export interface GlobalModel {
  maxconn?: number;
  nbthread?: number;
  logStdout: boolean;
  warnings: string[];
}

export interface ConfigModel {
  readonly file: string;
  readonly global: GlobalModel;
  /** frontends and listens (a listen appears in both lists). */
  readonly frontends: ProxySection[];
  /** backends and listens. */
  readonly backends: ProxySection[];
  readonly warnings: string[];
}
