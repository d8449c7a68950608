import type { CustomLogFormat } from '../log/custom-log-format.js';

/**
 * The configuration model: what the file says, section by section, with the
 * source location of every statement so that later stages (reference checks,
 * compilation) can still point at the line that caused a problem.
 */
import type { SampleExpr } from '../sample/sample-expr.js';
import type { StickTableModel } from '../stick/stick-data.js';
import type { StickRuleModel } from '../stick/stick-parser.js';
import type { StatsModel } from '../stats/stats-config.js';
import type { UserlistModel } from '../auth/userlist.js';
import type { CacheModel } from '../cache/cache-config.js';
import type { BalanceModel, CheckRule, CookieExtra, HashTypeModel, ServerExtraOptions } from './server-model.js';
import type { ActionRunner } from '../rules/action-registry.js';
import type { TcpRuleModel } from '../tcp/tcp-rules.js';

export interface Loc {
  readonly file: string;
  readonly line: number;
}

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
  /** The compiled sample expression (fetch and converters); absent for predefined ACLs. */
  readonly expr?: SampleExpr;
}

export type MatchMethod = 'str' | 'beg' | 'end' | 'sub' | 'dir' | 'dom' | 'reg' | 'found' | 'len' | 'int' | 'ip' | 'bool' | 'bin';

export type HttpRequestAction =
  | { kind: 'allow' }
  | { kind: 'deny'; status: number; reply?: HttpReplyModel; contentType?: string; body?: string; headers?: [string, string][] }
  | { kind: 'return'; status: number; contentType?: string; body?: string; headers: [string, string][]; reply?: HttpReplyModel }
  | {
      kind: 'redirect';
      type: 'location' | 'prefix' | 'scheme';
      value: string;
      code: number;
      dropQuery: boolean;
      appendSlash: boolean;
      cookie?: { set: boolean; value: string };
    }
  | { kind: 'set-header' | 'add-header'; name: string; format: string }
  | { kind: 'del-header'; name: string }
  | { kind: 'set-path' | 'set-query' | 'set-uri' | 'set-method'; format: string }
  /** An action from the action registry (src/proxy/rules), compiled at parse time. */
  | { kind: 'registered'; name: string; run: ActionRunner };

export interface HttpRule {
  readonly action: HttpRequestAction;
  readonly cond?: ConditionModel;
  readonly loc: Loc;
}

export interface UseBackendRule {
  readonly backend: string;
  readonly cond?: ConditionModel;
  readonly loc: Loc;
  /** `backend` is a log-format string (`%[…]`) naming the backend per request. */
  readonly dynamic?: boolean;
}

export interface BindModel {
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly certFiles: readonly string[];
  readonly alpn: readonly string[];
  readonly loc: Loc;
  /** TLS settings of an `ssl` bind (client certificates, versions, SNI). */
  readonly tls?: BindTlsModel;
  /** `accept-proxy`: connections start with a PROXY header (v1 or v2) whose addresses replace the peer's. */
  readonly acceptProxy?: boolean;
  readonly name?: string;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface BindTlsModel {
  caFile?: string;
  crlFile?: string;
  /** Client certificates: not asked (none), checked when given (optional), demanded (required). */
  verify: 'none' | 'optional' | 'required';
  /** Refuse handshakes whose SNI matches no certificate (or that send none). */
  strictSni: boolean;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ciphers?: string;
  ciphersuites?: string;
  preferClientCiphers: boolean;
  noTlsTickets: boolean;
  /** `ca-ignore-err` / `crt-ignore-err`: `all` or a comma list of error numbers. */
  caIgnoreErr?: string;
  crtIgnoreErr?: string;
  /** crt-list SNI filters per certificate file (`!name` excludes); the certificate's own names otherwise. */
  sniFilters: Record<string, string[]>;
}

export interface ServerOptions extends ServerExtraOptions {
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
  /** `http-check connect|send|expect` rules in order; when present they define the whole check. */
  rules?: CheckRule[];
  /** Body of `option httpchk` / `http-check send body`. */
  body?: string;
  loc: Loc;
}

export interface ForwardForModel {
  header: string;
  ifNone: boolean;
  except?: string;
}

/** Check rules of a section; rules inherited from defaults are replaced, not extended, by a section's own. */
export interface CheckRuleList {
  owner: ProxySettings;
  rules: CheckRule[];
}

export interface CookieModel extends CookieExtra {
  name: string;
  insert: boolean;
  indirect: boolean;
  nocache: boolean;
  preserve: boolean;
  httponly: boolean;
  secure: boolean;
  loc: Loc;
}

/** Settings shared by defaults, frontends and backends (what defaults hand down). */
export interface ProxySettings {
  mode: 'http' | 'tcp';
  /** `tcp-request inspect-delay`: how long content rules may wait for client data. */
  inspectDelay?: number;
  /** `tcp-response inspect-delay`: how long response content rules may wait for server data. */
  responseInspectDelay?: number;
  /** `option tcplog`. */
  tcplog?: boolean;
  maxconn?: number;
  timeouts: Partial<Record<TimeoutName, number>>;
  httplog: boolean;
  logEnabled: boolean;
  forwardfor?: ForwardForModel;
  redispatch?: number;
  httpchk?: HttpCheckModel;
  balance: BalanceModel;
  hashType?: HashTypeModel;
  /** `option allbackups`: all usable backups share the load, not only the first. */
  allBackups?: boolean;
  dynamicCookieKey?: string;
  /** `option tcp-check` with its `tcp-check …` rules. */
  tcpCheck?: { loc: Loc; canned?: { name: string; rules: CheckRule[] } };
  /** `http-check connect|send|expect|comment` lines, in order. */
  httpCheckRules?: CheckRuleList;
  /** `tcp-check connect|send|expect|comment` lines, in order. */
  tcpCheckRules?: CheckRuleList;
  /** `http-check disable-on-404`. */
  disableOn404?: boolean;
  retries: number;
  defaultBackend?: { name: string; loc: Loc };
  cookie?: CookieModel;
  defaultServer: ServerOptions;
  /** `stats …` written in a defaults section: proxies use it until they write `stats` lines of their own. */
  stats?: StatsModel;
  /** `option http-keep-alive | http-server-close | httpclose`: the last one wins; keep-alive when unset. */
  httpConnMode?: 'keep-alive' | 'server-close' | 'close';
  /** `retry-on`: failure kinds and status codes that allow a retry; `conn-failure` when unset. */
  retryOn?: string[];
  /** `http-reuse`: `safe` when unset. */
  httpReuse?: 'never' | 'safe' | 'aggressive' | 'always';
  /** `errorfile` / `errorfiles` lines in order (defaults hand theirs down). */
  errorFileRefs?: readonly ErrorFileRef[];
  /** Resolved at the end of parsing from errorFileRefs: the message per status code. */
  errorFiles?: ReadonlyMap<number, ErrorFileMessage>;
  /** `log-format`: the request log line (replaces httplog's). */
  logFormat?: CustomLogFormat;
  /** `unique-id-format` and `unique-id-header`. */
  uniqueIdFormat?: CustomLogFormat;
  uniqueIdHeader?: string;
}

export type TimeoutName =
  | 'connect'
  | 'client'
  | 'server'
  | 'http-request'
  | 'http-keep-alive'
  | 'queue'
  | 'check'
  | 'tunnel'
  | 'tarpit'
  | 'client-fin'
  | 'server-fin';
export type BalanceAlgo = BalanceModel['algo'];

export type { StatsModel } from '../stats/stats-config.js';

export interface ProxySection {
  readonly kind: 'frontend' | 'backend' | 'listen';
  readonly name: string;
  readonly loc: Loc;
  settings: ProxySettings;
  binds: BindModel[];
  acls: AclDefinition[];
  requestRules: HttpRule[];
  responseRules: HttpRule[];
  /** http-after-response rules: every response, the proxy's own answers included. */
  afterResponseRules?: HttpRule[];
  useBackends: UseBackendRule[];
  servers: ServerModel[];
  stats?: StatsModel;
  /** `stick-table` of this section (its name is the section's). */
  stickTable?: StickTableModel;
  /** `stick on|match|store-request|store-response` rules, in order. */
  stickRules?: StickRuleModel[];
  /** `tcp-request connection|session|content` rules, in order. */
  tcpRules?: TcpRuleModel[];
}

export interface GlobalModel {
  maxconn?: number;
  nbthread?: number;
  logStdout: boolean;
  warnings: string[];
  /** `zero-warning`: where it was set (any warning HAProxy would give then refuses the file). */
  zeroWarning?: Loc;
  /** `strict-limits`: a limit that cannot be applied is an error rather than a warning. */
  strictLimits?: boolean;
  /** `hard-stop-after T`: on stop, connections still open after T are cut. */
  hardStopAfter?: number;
  localpeer?: string;
  description?: string;
  /** `log-send-hostname [NAME]`: the host name field of log lines. */
  logHostname?: string;
  /** `ssl-default-bind-options …`: applied to every `bind … ssl` before its own options. */
  sslDefaultBindOptions?: string[];
  /** `ca-base DIR`: where relative ca-file and crl-file names are looked up. */
  caBase?: string;
  sslDefaultBindCiphers?: string;
  sslDefaultBindCiphersuites?: string;
  /** `ssl-server-verify none|required`: the default of `verify` on servers (required when unset). */
  sslServerVerify?: 'none' | 'required';
}

export interface ConfigModel {
  readonly file: string;
  readonly global: GlobalModel;
  /** frontends and listens (a listen appears in both lists). */
  readonly frontends: ProxySection[];
  /** backends and listens. */
  readonly backends: ProxySection[];
  readonly warnings: string[];
  /** `userlist` sections. */
  readonly userlists?: readonly UserlistModel[];
  /** `cache` sections. */
  readonly caches?: readonly CacheModel[];
}

/** A response read from an `errorfile`, kept as HAProxy sends it. */
export interface ErrorFileMessage {
  /** An empty file: the connection is closed without an answer. */
  readonly empty: boolean;
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Names in lower case, values trimmed, in file order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** Whether the file announced a Content-Length (without one the connection closes after the body). */
  readonly hasLength: boolean;
  readonly file: string;
}

/** One `errorfile CODE FILE` or `errorfiles NAME [CODE…]` line of a proxy or defaults section. */
export type ErrorFileRef =
  | { readonly kind: 'file'; readonly code: number; readonly message: ErrorFileMessage; readonly loc: Loc }
  | { readonly kind: 'section'; readonly section: string; readonly codes: readonly number[]; readonly loc: Loc };

/**
 * What `http-request deny|return` answers when it says more than a status:
 * the proxy's error page for the status (`default-errorfiles`), an error
 * file's message, one from an `http-errors` section (resolved at the end of
 * parsing), or exactly the payload/headers given (possibly nothing).
 */
export type HttpReplyModel =
  | { type: 'errmsg' }
  | { type: 'errorfile'; message: ErrorFileMessage }
  | { type: 'errorfiles'; section: string; loc: Loc }
  | { type: 'payload' };
