import type { SampleValue } from './sample-types.js';
import type { Router } from '../runtime/router.js';
import type { SampleSource } from '../acl/sample-source.js';
import type { StickTxn } from '../stick/stick-txn.js';

export type VarScope = 'proc' | 'sess' | 'txn' | 'req' | 'res';
export const VAR_SCOPES: readonly VarScope[] = ['proc', 'sess', 'txn', 'req', 'res'];

/** Variables of the whole process, shared by every connection (per worker). */
const procVars = new Map<string, SampleValue>();

/** State that lives as long as one client connection (the `sess` scope). */
export class SessionState {
  readonly vars = new Map<string, SampleValue>();
}

/** Names of proxies and servers a transaction went through, for be_name, srv_name and friends. */
export interface NamedRef {
  readonly name: string;
}

/**
 * Per-request state that rules and fetches share: variables by scope, the
 * proxies and server chosen so far, captures and the log level. Other areas
 * add their own fields here (tracked stick counters, auth results).
 */
export class Txn {
  // Created on first write: most requests set no variable.
  private txnVars: Map<string, SampleValue> | undefined;
  private reqVars: Map<string, SampleValue> | undefined;
  private resVars: Map<string, SampleValue> | undefined;
  frontend: NamedRef | undefined;
  backend: BackendRef | undefined;
  server: NamedRef | undefined;
  /** Looks up any backend of the running configuration by name (nbsrv(NAME)). */
  findBackend: ((name: string) => BackendRef | undefined) | undefined;
  private reqCaps: (string | undefined)[] | undefined;
  private resCaps: (string | undefined)[] | undefined;
  /** The request line as received, before any rewrite (capture.req.method/uri/ver). */
  original: { method: string; uri: string; version: string } | undefined;
  /**
   * The running configuration serving this request and the request as it
   * reached the rules (kept here rather than in a side table: a field costs
   * the garbage collector nothing, a weak map entry per request does).
   */
  router: Router | undefined;
  request: SampleSource | undefined;
  /** Stick-table tracking state, created by the first track or sc_* fetch (see stick-txn). */
  stick: StickTxn | undefined;
  /** Headers of `early-hint` rules, sent in one 103 response before the final one (HTTP/1.1 clients). */
  earlyHints: [string, string][] | undefined;
  /** Set by `set-log-level`; 'silent' suppresses the log line. */
  logLevel: string | undefined;

  constructor(readonly session: SessionState = new SessionState()) {}

  /** `capture request header` / `http-request capture` slots, by index (made on first use: most requests capture nothing). */
  get reqCaptures(): (string | undefined)[] {
    return (this.reqCaps ??= []);
  }
  get resCaptures(): (string | undefined)[] {
    return (this.resCaps ??= []);
  }
  /** The slots if any capture filled one, without making them. */
  capturesIfAny(side: 'request' | 'response'): readonly (string | undefined)[] | undefined {
    return side === 'request' ? this.reqCaps : this.resCaps;
  }

  private map(scope: VarScope, create: boolean): Map<string, SampleValue> | undefined {
    switch (scope) {
      case 'proc':
        return procVars;
      case 'sess':
        return this.session.vars;
      case 'txn':
        return create ? (this.txnVars ??= new Map()) : this.txnVars;
      case 'req':
        return create ? (this.reqVars ??= new Map()) : this.reqVars;
      case 'res':
        return create ? (this.resVars ??= new Map()) : this.resVars;
    }
  }

  getVar(scope: VarScope, name: string): SampleValue | undefined {
    return this.map(scope, false)?.get(name);
  }
  setVar(scope: VarScope, name: string, value: SampleValue): void {
    this.map(scope, true)!.set(name, value);
  }
  unsetVar(scope: VarScope, name: string): void {
    this.map(scope, false)?.delete(name);
  }
}

/** Clears the process scope (tests run many configurations in one process). */
export function resetProcVars(): void {
  procVars.clear();
}

/** A backend as fetches see it (nbsrv, be_name). */
export interface BackendRef extends NamedRef {
  usableServers(): number;
}

/** Splits `scope.name` (HAProxy variable names); null when the scope is unknown or the name empty. */
export function parseVarName(text: string): { scope: VarScope; name: string } | null {
  const dot = text.indexOf('.');
  if (dot < 0) return null;
  const scope = text.slice(0, dot) as VarScope;
  const name = text.slice(dot + 1);
  if (!VAR_SCOPES.includes(scope) || name === '' || !/^[A-Za-z0-9._]+$/.test(name)) return null;
  return { scope, name };
}
