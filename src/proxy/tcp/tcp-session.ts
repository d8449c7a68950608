import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TlsUpgrade } from './tls-upgrade.js';
import type { BindModel } from '../config/model.js';
import { txnOf, type SampleSource } from '../acl/sample-source.js';
import { peekStickTxn, releaseConnection } from '../stick/stick-txn.js';
import { plainAddress } from '../sample/fetches/connection-fetches.js';
import { evalSampleOne } from '../sample/sample-expr.js';
import { valueToString } from '../sample/sample-types.js';
import type { BalanceContext } from '../balance/balanced-server.js';
import type { Router } from '../runtime/router.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend, QueuedRequest } from '../runtime/backend.js';
import type { Server } from '../runtime/server.js';
import { trackSession, untrackSession, type ServerSession } from '../runtime/server-sessions.js';
import type { ListenerContext } from '../http/listener-context.js';
import { formatTcpLog } from '../log/tcp-log-line.js';
import { attachPayload, attachResponsePayload, markTcpSource, type PayloadView } from './payload-view.js';
import { hasRules, runTcpRules, type TcpVerdict } from './tcp-rule-runner.js';
import { proxyHeaderV1, proxyHeaderV2 } from './proxy-protocol.js';
import { readProxyHeaderFrom } from './proxy-header-reader.js';
import { dropConnection } from './drop-connection.js';
import { tcpPlanOf, type TcpPlan } from './tcp-plan.js';
import { upgradeToHttp } from './http-upgrade.js';

/** HAProxy's default buffer size: content inspection never waits for more than this. */
const INSPECT_BUFFER = 16384;
const MAX_TURNAROUND_MS = 1000;
const EMPTY = Buffer.alloc(0);

/**
 * The session a socket belongs to. Socket events call the shared handlers
 * below with the socket as `this`; they find their session here, so that a
 * connection allocates no closure per event it listens to.
 */
const SESSION = Symbol('docklab.tcpSession');
type OwnedSocket = Socket & { [SESSION]?: TcpSession };
const sessionOf = (s: Socket): TcpSession => (s as OwnedSocket)[SESSION]!;

function onClientData(this: Socket, chunk: Buffer): void {
  sessionOf(this).fromClient(chunk);
}
function onClientEnd(this: Socket): void {
  sessionOf(this).clientEnd();
}
function onClientError(this: Socket): void {
  sessionOf(this).abort('C');
}
function onClientClose(this: Socket): void {
  sessionOf(this).socketClosed('C');
}
function onClientTimeout(this: Socket): void {
  sessionOf(this).clientTimedOut();
}
function onClientDrain(this: Socket): void {
  sessionOf(this).upstream?.resume();
}
function onServerData(this: Socket, chunk: Buffer): void {
  sessionOf(this).fromServer(chunk);
}
function onServerConnect(this: Socket): void {
  sessionOf(this).serverConnected(this);
}
function onServerEnd(this: Socket): void {
  sessionOf(this).serverShut();
}
function onServerError(this: Socket): void {
  sessionOf(this).serverError(this);
}
function onServerClose(this: Socket): void {
  sessionOf(this).serverClosed(this);
}
function onServerTimeout(this: Socket): void {
  sessionOf(this).serverTimedOut(this);
}
function onServerDrain(this: Socket): void {
  sessionOf(this).client.resume();
}
function onFlushed(this: Socket): void {
  sessionOf(this).maybeDone();
}

/**
 * One client connection on a `mode tcp` frontend: connection rules, the PROXY
 * header when asked for, session and content rules (waiting for client bytes
 * under `tcp-request inspect-delay`), backend choice, a server connection
 * with queueing, retries and redispatch, then bytes passed both ways
 * untouched, half-closes forwarded, until both sides are done. A backend in
 * `mode http` turns the connection into an HTTP one from there on.
 *
 * Each step runs only when the configuration asks for it (see TcpPlan): a
 * frontend without rules or logs goes straight from accept to connect and
 * relays, reading neither addresses nor variables.
 */
export class TcpSession implements ServerSession, BalanceContext {
  private readonly router: Router;
  private readonly fe: Frontend | undefined;
  private readonly plan: TcpPlan | undefined;
  /** What fetches read: made on first use (rules, logs, dynamic routing, PROXY headers). */
  private source: SampleSource | undefined = undefined;
  /** A PROXY header gave the client's addresses. */
  private proxied = false;
  private readonly acceptedAt = Date.now();
  /** Client bytes read before the tunnel: what content rules inspect, sent first once connected. */
  private view: PayloadView | undefined = undefined;
  private backend: Backend | undefined = undefined;
  private server: Server | undefined = undefined;
  private lastServer: Server | undefined = undefined;
  /** The server connection (the current attempt until connected). */
  upstream: Socket | undefined = undefined;
  /** The current attempt has failed or succeeded (later events of its socket are stale). */
  private attemptSettled = false;
  private tunnel = false;
  private retries = 0;
  private redispatched = false;
  /** When a server was first assigned or the queue was left (HAProxy's Tw counts from the accept to then). */
  private assignedAt = -1;
  /** The backend queue position logged (%bq), 0 when never queued. */
  private beQueue = 0;
  /** The frontend's content rules are still waiting for client bytes. */
  private inspecting = false;
  private connectMs = -1;
  private bytesIn = 0;
  private bytesOut = 0;
  private finished = false;
  private clientEnded = false;
  private serverEnded = false;
  private termination = '--';
  private timers: NodeJS.Timeout[] | undefined = undefined;
  /** The client side's inactivity timeout in force, and its last traffic (to order timeouts that expire together). */
  private clientTimeoutMs = 0;
  private clientActiveAt = this.acceptedAt;
  private queued: QueuedRequest | undefined = undefined;
  /** Called when client bytes arrive or the wait ends while content rules inspect. */
  private progress: (() => void) | undefined = undefined;
  /** Server bytes held while the backend's `tcp-response content` rules inspect them. */
  private response: PayloadView | undefined = undefined;
  private responseStep: (() => void) | undefined = undefined;
  /** The server's FIN came while response rules were inspecting: passed on once they are done. */
  private serverFinHeld = false;
  /** Balancing context: TCP has no URI. */
  readonly uri = '';

  /** The client's socket: the accepted one, then the TLS socket over it on `ssl` binds. */
  client: Socket;

  constructor(
    raw: Socket,
    private readonly ctx: ListenerContext,
    private readonly bind: BindModel,
    private readonly upgrade?: TlsUpgrade,
  ) {
    this.client = raw;
    this.router = ctx.router();
    this.fe = this.router.frontends.find((f) => f.name === ctx.frontendName);
    this.plan = this.fe ? tcpPlanOf(this.fe) : undefined;
    // The listener already sets TCP_NODELAY on accepted sockets (noDelay: true).
    this.watch(raw);
    const fe = this.fe;
    if (!fe) {
      raw.destroy();
      return;
    }
    fe.connections++;
    fe.counters.total++;
    if (fe.connections > fe.counters.max) fe.counters.max = fe.connections;
    if (this.plan!.eagerSample) this.sample();
    this.start(fe);
  }

  /** The sample source, made on first use with the addresses the client connected with. */
  private sample(): SampleSource {
    if (this.source) return this.source;
    const raw = this.client;
    const src: SampleSource = {
      method: '',
      uri: '',
      version: '',
      headers: [],
      srcAddr: raw.remoteAddress ?? '',
      srcPort: raw.remotePort ?? 0,
      dstAddr: raw.localAddress ?? '',
      dstPort: raw.localPort ?? this.ctx.localPort,
      ssl: false,
      sni: undefined,
    };
    this.source = src;
    markTcpSource(src);
    const txn = txnOf(src);
    const fe = this.fe;
    if (fe) {
      txn.frontend = fe;
      const router = this.router;
      txn.backend = this.backend ?? { name: fe.name, usableServers: () => router.backends.get(fe.name)?.usableServers() ?? 0 };
    }
    txn.findBackend = this.router.findBackend;
    return src;
  }

  /** Balancing context: the client's address (for `balance source`). */
  get srcAddr(): string {
    return plainAddress(this.sample().srcAddr);
  }

  /** Balancing context: the connection as fetches see it (for `balance hash`). */
  get src(): SampleSource {
    return this.sample();
  }

  private watch(sock: Socket): void {
    (sock as OwnedSocket)[SESSION] = this;
    sock.on('error', onClientError);
    sock.on('close', onClientClose);
    sock.on('timeout', onClientTimeout);
  }

  private start(fe: Frontend): void {
    this.setClientTimeout(fe.timeouts.client);
    let expectProxy = false;
    if (this.plan!.connectionRules) {
      const flags: { expectProxy?: boolean } = {};
      const verdict = runTcpRules(fe.model, 'connection', this.sample(), { next: 0 }, flags);
      if (verdict === 'reject' || verdict === 'silent-drop') {
        this.refuse('silent-drop', false);
        return;
      }
      expectProxy = flags.expectProxy === true;
    }
    if (this.bind.acceptProxy || expectProxy) this.readProxyHeader();
    else if (this.upgrade) void this.handshake(EMPTY);
    else this.afterHandshake();
  }

  /** TLS on `ssl` binds; `preread` holds bytes that followed a PROXY header. */
  private async handshake(preread: Buffer): Promise<void> {
    if (!this.upgrade) {
      if (preread.length) this.client.unshift(preread);
      this.afterHandshake();
      return;
    }
    const tls = await this.upgrade(this.client, preread);
    if (this.finished) {
      tls?.destroy();
      return;
    }
    if (!tls) {
      this.finish(false);
      return;
    }
    // The TLS socket takes over the client's inactivity timer.
    this.client.setTimeout(0);
    this.client = tls;
    this.watch(tls);
    this.client.setTimeout(this.clientTimeoutMs);
    const src = this.sample();
    src.ssl = true;
    const sni = (tls as TLSSocket & { servername?: string | false }).servername;
    if (typeof sni === 'string' && sni) src.sni = sni;
    this.afterHandshake();
  }

  /** Reads the PROXY header; later rules and logs see the addresses it carries. */
  private readProxyHeader(): void {
    const src = this.sample();
    void readProxyHeaderFrom(this.client).then((r) => {
      if (this.finished) return;
      if (!r) {
        this.ctx.log(`${this.ctx.frontendName}: received something which does not look like a PROXY protocol header from ${src.srcAddr}`);
        this.refuse('silent-drop', false);
        return;
      }
      if (r.addresses) {
        Object.assign(src, r.addresses);
        this.proxied = true;
      }
      void this.handshake(r.rest);
    });
  }

  private afterHandshake(): void {
    const fe = this.fe!;
    if (this.plan!.sessionRules) {
      const verdict = runTcpRules(fe.model, 'session', this.sample(), { next: 0 });
      if (verdict === 'reject' || verdict === 'silent-drop') {
        this.refuse(verdict, true);
        return;
      }
    }
    this.inspecting = true;
    this.client.on('data', onClientData);
    this.client.on('end', onClientEnd);
    this.client.resume();
    if (this.plan!.contentRules) this.inspect(fe.model, fe.model.settings.inspectDelay, () => this.switchBackend());
    else this.switchBackend();
  }

  /** Client bytes: relayed in the tunnel, kept (for the rules, then for the server) before. */
  fromClient(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.tunnel) {
      const up = this.upstream!;
      this.clientActiveAt = Date.now();
      if (!up.write(chunk)) {
        this.client.pause();
        up.once('drain', onServerDrain);
      }
      return;
    }
    const view = (this.view ??= { data: EMPTY, final: false, mayChange: false });
    view.data = view.data.length ? Buffer.concat([view.data, chunk]) : chunk;
    if (view.data.length >= INSPECT_BUFFER) {
      view.final = true;
      this.client.pause();
    }
    this.progress?.();
  }

  clientEnd(): void {
    if (this.tunnel) {
      this.clientShut();
      return;
    }
    this.clientEnded = true;
    if (this.view) this.view.final = true;
    this.progress?.();
  }

  /** Runs one proxy's content rules, waiting for data while a rule cannot decide yet. */
  private inspect(section: Frontend['model'], delay: number | undefined, next: () => void): void {
    if (!hasRules(section, 'content')) {
      next();
      return;
    }
    const view = (this.view ??= { data: EMPTY, final: false, mayChange: false });
    const src = this.sample();
    attachPayload(src, view);
    if (!delay) view.final = true;
    const position = { next: 0 };
    let timer: NodeJS.Timeout | undefined;
    const step = () => {
      if (this.finished) return;
      // Rules are first evaluated once the client has sent something (or the wait is over).
      if (!view.final && view.data.length === 0) return;
      const verdict: TcpVerdict = runTcpRules(section, 'content', src, position);
      if (verdict === 'wait') return;
      this.progress = undefined;
      clearTimeout(timer);
      if (verdict === 'reject' || verdict === 'silent-drop') {
        this.refuse(verdict, true);
        return;
      }
      next();
    };
    if (delay) {
      timer = setTimeout(() => {
        view.final = true;
        step();
      }, delay);
      (this.timers ??= []).push(timer);
    }
    this.progress = step;
    step();
  }

  /** use_backend rules, then default_backend, on what the client has sent so far. */
  private selectBackend(): Backend | undefined {
    const fe = this.fe!;
    if (fe.useBackends.length === 0) return fe.defaultBackend;
    const view = (this.view ??= { data: EMPTY, final: false, mayChange: false });
    view.final = true;
    const src = this.sample();
    attachPayload(src, view);
    let backend: Backend | undefined;
    for (const ub of fe.useBackends) {
      if (ub.cond && !ub.cond.test(src)) continue;
      // A dynamic name that matches no backend ends the search: default_backend applies.
      backend = ub.format ? this.router.backends.get(ub.format.render(src)) : ub.backend;
      break;
    }
    return backend ?? fe.defaultBackend;
  }

  private switchBackend(): void {
    const fe = this.fe!;
    this.inspecting = false;
    const backend = this.selectBackend();
    if (!backend) {
      this.fail('SC');
      return;
    }
    if (backend.model.settings.mode === 'http' && !backend.isSameProxyAs(fe.model)) {
      // A client that sent its FIN while the rules waited is not served over HTTP: HAProxy closes without an answer.
      if (this.clientEnded) this.abort('C');
      else this.becomeHttp(backend);
      return;
    }
    this.backend = backend;
    if (this.source) txnOf(this.source).backend = backend;
    backend.counters.total++;
    if (backend.isSameProxyAs(fe.model) || !hasRules(backend.model, 'content')) {
      this.choose(undefined);
      return;
    }
    if (this.view) this.view.final = false;
    this.inspect(backend.model, backend.model.settings.inspectDelay, () => this.choose(undefined));
  }

  /**
   * A `mode http` backend: the connection is upgraded to HTTP in place, as
   * HAProxy does. The bytes read so far are parsed as the first request,
   * which goes to this backend (the frontend's rules already ran on them);
   * later requests on the connection go through the frontend's switching
   * rules again. The HTTP side takes over the socket and its counters.
   */
  private becomeHttp(backend: Backend): void {
    this.finished = true;
    for (const t of this.timers ?? []) clearTimeout(t);
    const fe = this.fe!;
    fe.connections--;
    fe.counters.total--;
    const client = this.client;
    client.removeListener('data', onClientData);
    client.removeListener('end', onClientEnd);
    client.removeListener('error', onClientError);
    client.removeListener('close', onClientClose);
    client.removeListener('timeout', onClientTimeout);
    client.setTimeout(0);
    (client as OwnedSocket)[SESSION] = undefined;
    const src = this.source;
    const stick = src ? peekStickTxn(src) : undefined;
    // Counters tracked by the connection's rules stay tracked until it closes.
    if (stick) client.once('close', () => releaseConnection(stick, client.bytesRead, client.bytesWritten));
    upgradeToHttp(client, this.ctx, {
      backend,
      buffered: this.view?.data ?? EMPTY,
      session: src?.txn?.session,
      addresses: src && this.proxied ? { srcAddr: src.srcAddr, srcPort: src.srcPort ?? 0, dstAddr: src.dstAddr ?? '', dstPort: src.dstPort } : undefined,
    });
  }

  // ---- server choice, queueing, connection retries -------------------------------------

  private choose(avoid: Server | undefined): void {
    const be = this.backend!;
    const picked = be.balancer.pick(this, avoid) as Server | null;
    if (picked) {
      if (this.assignedAt < 0) this.assignedAt = Date.now();
      this.attach(picked);
      return;
    }
    if (!be.anyUsable()) {
      this.fail('SC');
      return;
    }
    // Every usable server is at its maxconn: wait in the backend queue.
    const limit = be.timeouts.queue ?? be.timeouts.connect ?? 0;
    const position = be.dequeued;
    const leave = () => {
      this.queued = undefined;
      this.assignedAt = Date.now();
      this.beQueue = be.dequeued - position + 1;
    };
    const entry: QueuedRequest = {
      wake: () => {
        leave();
        if (!this.finished) this.choose(avoid);
      },
      timer: setTimeout(
        () => {
          const i = be.queue.indexOf(entry);
          if (i >= 0) be.queue.splice(i, 1);
          leave();
          this.fail('sQ');
        },
        limit || 2 ** 31 - 1,
      ),
    };
    this.queued = entry;
    be.queue.push(entry);
  }

  private attach(server: Server): void {
    const be = this.backend!;
    this.server = server;
    server.begin();
    be.active++;
    if (be.active > be.counters.max) be.counters.max = be.active;
    trackSession(server, this);
    const tlsOptions = server.model.options.ssl ? server.pool.tls : undefined;
    // A server without a port takes the one the client connected to.
    const port = server.model.port || this.sample().dstPort;
    const raw = netConnect({ host: server.address, port, allowHalfOpen: true, noDelay: true });
    const sock: Socket = tlsOptions ? tlsConnect({ ...tlsOptions, socket: raw, host: server.address, ...this.serverName(server) }) : raw;
    if (sock !== raw) {
      raw.once('error', (e) => sock.destroy(e));
      sock.setNoDelay(true);
    }
    (sock as OwnedSocket)[SESSION] = this;
    this.upstream = sock;
    this.attemptSettled = false;
    this.connectStartedAt = Date.now();
    // The socket's own inactivity timer serves as the connect timeout, then as `timeout server`.
    const connectTimeout = be.timeouts.connect;
    if (connectTimeout) sock.setTimeout(connectTimeout);
    sock.on('timeout', onServerTimeout);
    sock.on('error', onServerError);
    sock.on('close', onServerClose);
    sock.once(tlsOptions ? 'secureConnect' : 'connect', onServerConnect);
  }

  private connectStartedAt = 0;

  serverConnected(sock: Socket): void {
    if (sock !== this.upstream || this.attemptSettled || this.finished) {
      sock.destroy();
      return;
    }
    this.attemptSettled = true;
    this.connectMs = Date.now() - this.connectStartedAt;
    this.established(sock);
  }

  serverError(sock: Socket): void {
    if (sock !== this.upstream) return;
    if (this.connectMs < 0) {
      this.connectFailed(false);
      return;
    }
    this.abort('S');
  }

  serverClosed(sock: Socket): void {
    if (sock !== this.upstream || this.connectMs < 0 || this.finished) return;
    if (this.clientEnded && this.serverEnded) this.maybeDone();
    else this.abort('S');
  }

  private connectFailed(timedOut: boolean): void {
    if (this.attemptSettled) return;
    this.attemptSettled = true;
    const server = this.server!;
    this.upstream!.destroy();
    this.release();
    server.counters.failedConnects++;
    this.backend!.counters.failedConnects++;
    this.retry(server, timedOut);
  }

  private serverName(server: Server): { servername?: string } {
    const expr = server.pool.sniExpr;
    if (!expr) return {};
    const v = evalSampleOne(expr, this.sample());
    return v === undefined ? {} : { servername: valueToString(v) };
  }

  private retry(failed: Server, timedOut: boolean): void {
    const be = this.backend!;
    if (this.finished) return;
    if (this.retries >= be.retries) {
      this.fail('SC');
      return;
    }
    this.retries++;
    failed.counters.retries++;
    be.counters.retries++;
    const r = be.redispatch;
    const redispatch = r !== undefined && (r > 0 ? this.retries % r === 0 : this.retries === be.retries + 1 + r);
    if (redispatch) {
      this.redispatched = true;
      be.counters.redispatches++;
      failed.counters.redispatches++;
      this.choose(failed);
    } else if (failed.usable()) {
      // A server that refused is not hammered: wait before trying it again. After a
      // connect timeout that time has already passed, so HAProxy retries at once.
      const pause = timedOut ? 0 : Math.min(be.timeouts.connect ?? MAX_TURNAROUND_MS, MAX_TURNAROUND_MS);
      (this.timers ??= []).push(
        setTimeout(() => {
          if (!this.finished) {
            if (failed.usable()) this.attach(failed);
            else this.choose(failed);
          }
        }, pause),
      );
    } else this.choose(failed);
  }

  // ---- the tunnel -------------------------------------------------------------------------

  private established(sock: Socket): void {
    const server = this.server!;
    const mode = server.model.options.sendProxy;
    if (mode) {
      const src = this.sample();
      const addrs = { srcAddr: src.srcAddr, srcPort: src.srcPort ?? 0, dstAddr: src.dstAddr ?? '', dstPort: src.dstPort };
      sock.write(mode === 2 ? proxyHeaderV2(addrs) : proxyHeaderV1(addrs));
    }
    this.progress = undefined;
    this.tunnel = true;
    const view = this.view;
    if (view && view.data.length) {
      sock.write(view.data);
      view.data = EMPTY;
    }
    if (hasRules(this.backend!.model, 'response')) this.inspectResponse(this.backend!);
    sock.on('data', onServerData);
    sock.once('end', onServerEnd);
    // Once connected, `timeout tunnel` replaces both inactivity timeouts.
    const be = this.backend!;
    const tunnel = be.timeouts.tunnel;
    if (!this.clientEnded) this.setClientTimeout(tunnel ?? this.fe!.timeouts.client);
    this.setServerTimeout(tunnel ?? be.timeouts.server);
    if (this.clientEnded) this.clientShut();
    this.client.resume();
  }

  fromServer(chunk: Buffer): void {
    this.bytesOut += chunk.length;
    this.clientActiveAt = Date.now();
    const held = this.response;
    if (held) {
      held.data = held.data.length ? Buffer.concat([held.data, chunk]) : chunk;
      if (held.data.length >= INSPECT_BUFFER) {
        held.final = true;
        this.upstream!.pause();
      }
      this.responseStep!();
      return;
    }
    if (!this.client.write(chunk)) {
      this.upstream!.pause();
      this.client.once('drain', onClientDrain);
    }
  }

  /**
   * No more bytes from the client (its FIN, or its inactivity timeout): the
   * server gets a FIN once what was read is written. As in HAProxy, the side
   * that was sent a FIN then waits under its `-fin` timeout when one is set.
   */
  private clientShut(): void {
    if (this.clientEnded && this.upstream?.writableEnded) return;
    this.clientEnded = true;
    if (this.view) this.view.final = true;
    this.setClientTimeout(0);
    this.upstream?.end();
    const serverFin = this.backend!.model.settings.timeouts['server-fin'];
    if (serverFin !== undefined && !this.serverEnded) this.setServerTimeout(serverFin);
    this.maybeDone();
  }

  /**
   * The backend's `tcp-response content` rules, on what the server sends:
   * held back while a rule cannot decide yet (under `tcp-response
   * inspect-delay`), then passed on (accept, or no rule stopped it), or the
   * session is cut (reject), or the server connection is closed after what
   * was held reaches the client (close), as in HAProxy.
   */
  private inspectResponse(be: Backend): void {
    const view: PayloadView = { data: EMPTY, final: false, mayChange: false };
    const src = this.sample();
    attachResponsePayload(src, view);
    const delay = be.model.settings.responseInspectDelay;
    if (!delay) view.final = true;
    const position = { next: 0 };
    let timer: NodeJS.Timeout | undefined;
    const step = () => {
      if (this.finished || this.response !== view) return;
      if (!view.final && view.data.length === 0) return;
      const verdict = runTcpRules(be.model, 'response', src, position);
      if (verdict === 'wait') return;
      clearTimeout(timer);
      this.response = undefined;
      this.responseStep = undefined;
      const held = view.data;
      view.data = EMPTY;
      if (verdict === 'reject' || verdict === 'silent-drop') {
        this.termination = 'PD';
        this.client.destroy();
        this.upstream?.destroy();
        this.finish();
        return;
      }
      if (verdict === 'close') {
        this.clientEnded = true;
        this.serverEnded = true;
        this.client.pause();
        this.client.end(held);
        this.upstream?.destroy();
        this.maybeDone();
        return;
      }
      if (held.length && !this.client.write(held)) {
        this.upstream!.pause();
        this.client.once('drain', onClientDrain);
      } else this.upstream!.resume();
      if (this.serverFinHeld) this.serverShut();
    };
    this.response = view;
    this.responseStep = step;
    if (delay) {
      timer = setTimeout(() => {
        view.final = true;
        step();
      }, delay);
      (this.timers ??= []).push(timer);
    }
  }

  /** No more bytes from the server: the mirror of clientShut. */
  serverShut(): void {
    if (this.response) {
      // Response rules still inspect: they decide on what came, then the FIN follows.
      this.serverFinHeld = true;
      this.response.final = true;
      this.responseStep!();
      return;
    }
    if (this.serverEnded) return;
    this.serverEnded = true;
    this.setServerTimeout(0);
    this.client.end();
    const clientFin = this.fe!.model.settings.timeouts['client-fin'];
    if (clientFin !== undefined && !this.clientEnded) this.setClientTimeout(clientFin);
    this.maybeDone();
  }

  /**
   * Both directions shut: the session ends once the last bytes each side was
   * sent are handed to the kernel (a slow reader may still hold some back in
   * the socket's queue; ending before would lose them). Closing then sends
   * what the kernel holds, then the FIN. While it waits, that side's
   * timeout applies again.
   */
  maybeDone(): void {
    if (!this.clientEnded || !this.serverEnded || this.finished) return;
    const client = this.client;
    if (client.writableLength > 0 && !client.destroyed) {
      this.setClientTimeout(this.fe!.timeouts.client);
      client.once('finish', onFlushed);
      return;
    }
    const up = this.upstream;
    if (up && up.writableLength > 0 && !up.destroyed) {
      this.setServerTimeout(this.backend!.timeouts.server);
      up.once('finish', onFlushed);
      return;
    }
    this.finish();
  }

  /**
   * The inactivity timeout of one side (refreshed by bytes either way on that
   * side). Before the tunnel it ends the session; in the tunnel it only stops
   * reading that side and forwards a FIN, as HAProxy's read timeout does: the
   * session ends when the other direction is done too, and is logged with
   * the first timeout (`cD`/`sD`).
   */
  private setClientTimeout(ms: number | undefined): void {
    const next = ms ?? 0;
    if (next === this.clientTimeoutMs) return;
    this.clientTimeoutMs = next;
    this.client.setTimeout(next);
  }

  clientTimedOut(): void {
    if (this.finished || this.clientTimeoutMs === 0) return;
    // Still flushing to a client that no longer reads.
    if (this.clientEnded && this.serverEnded) {
      this.abort('c');
      return;
    }
    if (this.connectMs < 0) {
      this.abort('c');
      return;
    }
    if (this.termination === '--') this.termination = 'cD';
    this.client.pause();
    this.clientShut();
  }

  private serverTimeoutMs = 0;

  private setServerTimeout(ms: number | undefined): void {
    const sock = this.upstream;
    if (!sock) return;
    this.serverTimeoutMs = ms ?? 0;
    sock.setTimeout(this.serverTimeoutMs);
  }

  serverTimedOut(sock: Socket): void {
    if (sock !== this.upstream || this.finished) return;
    if (this.connectMs < 0) {
      sock.destroy();
      this.connectFailed(true);
      return;
    }
    if (this.serverTimeoutMs === 0) return;
    if (this.clientEnded && this.serverEnded) {
      this.abort('s');
      return;
    }
    // Both sides expiring together count as the client's timeout: HAProxy checks that side first.
    const clientDue = !this.clientEnded && this.clientTimeoutMs > 0 && Date.now() - this.clientActiveAt >= this.clientTimeoutMs - 1;
    if (clientDue) this.clientTimedOut();
    if (this.termination === '--') this.termination = 'sD';
    sock.pause();
    this.serverShut();
  }

  // ---- endings ----------------------------------------------------------------------------

  /** A rule dropped the connection; `logged` when HAProxy has a session to log by then. */
  private refuse(how: 'reject' | 'silent-drop', logged: boolean): void {
    if (this.fe) this.fe.counters.denied++;
    if (how === 'silent-drop') dropConnection(this.client);
    else this.client.destroy();
    this.termination = 'PR';
    this.finish(logged);
  }

  private fail(termination: string): void {
    this.termination = termination;
    this.client.destroy();
    this.finish();
  }

  /** `on-marked-down shutdown-sessions`: the server went down. */
  shutdown(): void {
    this.abort('S');
  }

  socketClosed(who: 'C'): void {
    if (this.finished) return;
    if (this.clientEnded && this.serverEnded) this.finish();
    else this.abort(who);
  }

  /**
   * Ends the session on an error or a timeout. HAProxy's two-letter state:
   * who (C/S client or server closed, c/s their timeout) then the phase
   * (R before a server was chosen, Q queued, C connecting, D passing data).
   */
  abort(who: 'C' | 'S' | 'c' | 's'): void {
    if (this.finished) return;
    const phase = this.connectMs >= 0 ? 'D' : this.queued ? 'Q' : this.upstream ? 'C' : 'R';
    // A client gone during inspection: HAProxy still runs the switching rules on what arrived, and logs that backend.
    if (who === 'C' && this.inspecting && !this.backend) {
      const be = this.selectBackend();
      if (be && be.model.settings.mode !== 'http') this.backend = be;
    }
    // The first cause is the one logged (a reset after a timeout stays a timeout).
    if (this.termination === '--') this.termination = `${who}${phase}`;
    this.client.destroy();
    this.upstream?.destroy();
    this.finish();
  }

  private release(): void {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    untrackSession(server, this);
    server.end();
    this.backend!.active--;
    this.backend!.slotFreed();
    this.lastServer = server;
  }

  finish(log = true): void {
    if (this.finished) return;
    this.finished = true;
    const timers = this.timers;
    if (timers) for (const t of timers) clearTimeout(t);
    if (this.queued) {
      clearTimeout(this.queued.timer);
      const q = this.backend?.queue;
      const i = q ? q.indexOf(this.queued) : -1;
      if (i >= 0) q!.splice(i, 1);
    }
    this.client.destroy();
    this.upstream?.destroy();
    const server = this.server;
    this.release();
    const src = this.source;
    const stick = src ? peekStickTxn(src) : undefined;
    if (stick) releaseConnection(stick, this.bytesIn, this.bytesOut);
    const fe = this.fe;
    if (fe) {
      fe.connections--;
      fe.counters.bytesIn += this.bytesIn;
      fe.counters.bytesOut += this.bytesOut;
    }
    const be = this.backend;
    if (be) {
      be.counters.bytesIn += this.bytesIn;
      be.counters.bytesOut += this.bytesOut;
    }
    if (server) {
      server.counters.bytesIn += this.bytesIn;
      server.counters.bytesOut += this.bytesOut;
    }
    if (!log || !fe || !this.plan!.logs || !src) return;
    const shown = server ?? this.lastServer;
    this.ctx.log(
      formatTcpLog({
        clientAddr: plainAddress(src.srcAddr),
        clientPort: src.srcPort ?? 0,
        acceptedAt: this.acceptedAt,
        frontend: fe.name,
        ssl: this.bind.ssl,
        backend: be?.name ?? fe.name,
        server: shown?.name ?? '<NOSRV>',
        tw: this.assignedAt >= 0 ? this.assignedAt - this.acceptedAt : -1,
        tc: this.connectMs,
        tt: Date.now() - this.acceptedAt,
        bytes: this.bytesOut,
        termination: this.termination,
        actconn: this.ctx.activeConnections(),
        feconn: fe.connections + 1 /* HAProxy counts the session being logged */,
        beconn: be?.active ?? 0,
        srvconn: shown?.active ?? 0,
        retries: this.retries,
        redispatched: this.redispatched,
        beQueue: this.beQueue,
      }),
    );
  }
}
