import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import type { ListenerContext } from './listener-context.js';
import type { ProxiedRequest } from './proxied-request.js';
import type { RouteDecision } from './request-router.js';
import type { UpstreamExchange } from './upstream-exchange.js';
import { formatProxyLog, frontendLogs } from '../log/proxy-log.js';

/** What a log line says about the request line: the request as routed, or `<BADREQ>` for a head refused before routing. */
export interface LoggedRequest {
  readonly method: string;
  readonly uri: string;
  readonly version: string;
}

const BADREQ: LoggedRequest = { method: '<BADREQ>', uri: '', version: '1.1' };

/**
 * The accounting of one request, the same whether it came over HTTP/1 or
 * HTTP/2: the frontend's, backend's and server's counters (requests, denials,
 * statuses, bytes) and the log line. The connection code decides what
 * happens; this decides what is counted and logged for it, so that both
 * protocols count and log alike.
 */
export class RequestTransaction {
  /** The backend the request was routed to (also for a local answer of its rules). */
  backend: Backend | undefined;
  /** The status the client got (0 until known). */
  status = 0;
  /** Bytes sent to the client: head and body. */
  bytesOut = 0;

  constructor(
    public fe: Frontend,
    private readonly ctx: ListenerContext,
    /** The request as rules saw it; null for a head refused before any rule ran. */
    public req: ProxiedRequest | null,
    public startedAt: number,
    private readonly clientAddr: string,
    private readonly clientPort: number,
  ) {}

  /** The next request of the same client connection (HTTP/1 keep-alive reuses one transaction object). */
  reset(fe: Frontend, req: ProxiedRequest | null, startedAt: number): void {
    this.fe = fe;
    this.req = req;
    this.startedAt = startedAt;
    this.backend = undefined;
    this.status = 0;
    this.bytesOut = 0;
  }

  /** A request entered the frontend. */
  begin(): void {
    this.fe.counters.total++;
  }

  /** The request will be routed again (it waited for shared stick tables): it counts once. */
  retract(): void {
    this.fe.counters.total--;
  }

  /** A head refused before any rule ran (400, 408…). */
  refused(): void {
    this.fe.counters.requestErrors++;
  }

  /** Counts what routing decided: a denial by the frontend's rules, or one more request for the backend. */
  routed(d: RouteDecision): void {
    if (d.kind === 'respond') {
      this.backend = d.backend;
      if (d.termination === 'PR--' && d.response.status === 403) this.fe.counters.denied++;
      return;
    }
    this.backend = d.backend;
    d.backend.counters.total++;
  }

  /** The answer is complete: its status and bytes count for the frontend, the backend and the server. */
  answered(status: number, ex?: UpstreamExchange): void {
    this.status = status;
    const fe = this.fe.counters;
    fe.countStatus(status);
    fe.bytesOut += this.bytesOut;
    if (this.backend) {
      this.backend.counters.countStatus(status);
      this.backend.counters.bytesOut += this.bytesOut;
    }
    const server = ex?.server;
    if (server) {
      server.counters.countStatus(status);
      server.counters.bytesOut += this.bytesOut;
      server.counters.bytesIn += ex.bytesIn;
    }
  }

  /** Writes the log line (when the frontend logs): `line` is the request line as logged. */
  log(termination: string, server: string, backendName: string, line: LoggedRequest | null, ex?: UpstreamExchange): void {
    const fe = this.fe;
    if (!frontendLogs(fe.model, fe.httplog)) return;
    if (this.req?.txn?.logLevel === 'silent') return;
    const shown = line ?? BADREQ;
    this.ctx.log(
      formatProxyLog(
        fe.model,
        {
          clientAddr: this.clientAddr.replace(/^::ffff:(?=\d+\.)/, ''),
          clientPort: this.clientPort,
          acceptedAt: this.startedAt,
          frontend: fe.name,
          ssl: this.ctx.ssl,
          backend: backendName,
          server,
          tr: 0,
          tw: ex ? Math.max(0, ex.queuedMs) : -1,
          tc: ex ? ex.connectMs : -1,
          trServer: ex ? ex.responseMs : -1,
          ta: Date.now() - this.startedAt,
          status: this.status,
          bytes: this.bytesOut,
          termination,
          actconn: this.ctx.activeConnections(),
          feconn: fe.connections,
          beconn: this.backend?.active ?? 0,
          srvconn: ex?.server?.active ?? 0,
          retries: ex?.retries ?? 0,
          method: shown.method,
          uri: shown.uri,
          version: shown.version,
        },
        this.req ?? undefined,
      ),
    );
  }
}
