/**
 * Configuration model pieces for servers, hashing, persistence cookies and
 * health-check rules (kept apart from model.ts, which imports them).
 */
import type { Loc } from './model.js';
import type { HashFunctionName } from '../balance/hash-functions.js';
import type { SampleExpr } from '../sample/sample-expr.js';

/** Server options beyond the basic ones (TLS to the server, addressing, checks). */
export interface ServerExtraOptions {
  /** `send-proxy` (1) or `send-proxy-v2` (2): the PROXY protocol header written first on each connection. */
  sendProxy?: 1 | 2;
  /** `check-send-proxy`: health checks send a PROXY line even when the server's traffic does not. */
  checkSendProxy?: boolean;
  /** `id N`: the server's numeric id (HAProxy numbers servers 1, 2, … in order otherwise). */
  id?: number;
  ssl?: boolean;
  /** `verify none|required`; unset means the global `ssl-server-verify` (required by default). */
  verify?: 'none' | 'required';
  caFile?: string;
  crtFile?: string;
  /** `sni EXPR`: a sample expression evaluated on the request (usually `req.hdr(host)` or `str(name)`). */
  sni?: string;
  checkSsl?: boolean;
  checkSni?: string;
  alpn?: string[];
  checkAlpn?: string[];
  proto?: 'h2';
  /** `init-addr` methods in order (last, libc, none, or an IP address). */
  initAddr?: string[];
  /** `resolvers NAME`: a runtime DNS section (names are resolved once at start here). */
  resolvers?: string;
  onMarkedDown?: 'shutdown-sessions';
  onMarkedUp?: 'shutdown-backup-sessions';
  observe?: 'layer4' | 'layer7';
  errorLimit?: number;
  onError?: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
  /** `addr A`: the address health checks go to. */
  checkAddr?: string;
  slowstart?: number;
  /** `hash-key id|addr|addr-port`: what a consistent-hash ring point is derived from. */
  hashKey?: 'id' | 'addr' | 'addr-port';
  /** `agent-check` with `agent-port`, `agent-inter`, `agent-send`. */
  agent?: { port?: number; inter?: number; send?: string; addr?: string };
  agentCheck?: boolean;
  /** `no-ssl-reuse`, `ssl-min-ver`, ciphers …: accepted, without effect here. */
  sslNotes?: string[];
}

export type BalanceHashAlgo = 'source' | 'uri' | 'url_param' | 'hdr' | 'hash';

/** `balance ALGO [args]` with the arguments of the hashing algorithms. */
export interface BalanceModel {
  algo: 'roundrobin' | 'static-rr' | 'leastconn' | 'first' | 'random' | BalanceHashAlgo;
  loc?: Loc;
  /** `balance hdr(NAME) [use_domain_only]`. */
  hdr?: { name: string; domainOnly: boolean };
  /** `balance url_param NAME`. */
  param?: string;
  /** `balance uri [whole] [len N] [depth N] [path-only]` (0 = no limit). */
  uri?: { whole: boolean; len: number; depth: number; pathOnly: boolean };
  /** `balance hash EXPR`. */
  expr?: string;
  compiled?: SampleExpr;
}

/** `hash-type map-based|consistent [FUNCTION] [avalanche]`. */
export interface HashTypeModel {
  type: 'map-based' | 'consistent';
  fn: HashFunctionName;
  avalanche: boolean;
  loc: Loc;
}

/** Cookie options beyond insert mode. */
export interface CookieExtra {
  mode?: 'insert' | 'prefix' | 'rewrite';
  postonly?: boolean;
  domains?: string[];
  /** Seconds; 0 = unset. */
  maxidle?: number;
  maxlife?: number;
  dynamic?: boolean;
  attrs?: string[];
}

export type CheckExpectKind = 'status' | 'rstatus' | 'string' | 'rstring' | 'hdr' | 'binary' | 'rbinary';

/** One `http-check …` / `tcp-check …` rule, in order. */
export type CheckRule =
  | { kind: 'connect'; port?: number; ssl?: boolean; sni?: string; alpn?: string[]; sendProxy?: boolean; default?: boolean; loc: Loc }
  | { kind: 'send-http'; method?: string; uri?: string; version?: string; headers: [string, string][]; body?: string; loc: Loc }
  /** `gmtTimeAt`: offset where the current Unix time is written (4 bytes, big-endian) as it is sent. `format`: a send-lf / send-binary-lf line, rendered at each check. */
  | { kind: 'send'; data: string; gmtTimeAt?: number; format?: { text: string; binary: boolean }; loc: Loc }
  | { kind: 'expect'; negate: boolean; what: CheckExpectKind; pattern: string; hdrName?: string; hdrValue?: string; minRecv?: number; loc: Loc }
  | { kind: 'comment'; loc: Loc }
  /** An expect step of a protocol check that reads the answer as protocol packets (health/custom-expects.ts). */
  | { kind: 'expect-custom'; check: 'mysql-iniths' | 'mysql-ok' | 'ldap-bindrsp'; loc: Loc };
