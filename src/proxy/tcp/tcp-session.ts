import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TlsUpgrade } from './tls-upgrade.js';
import type { BindModel } from '../config/model.js';
import { txnOf, type SampleSource } from '../acl/sample-source.js';
import { peekStickTxn, releaseConnection } from '../stick/stick-txn.js';
import { plainAddress } from '../sample/fetches/connection-fetches.js';
import { evalSampleOne } from '../sample/sample-expr.js';
import { valueToString } from '../sample/sample-types.js';
import type { Router } from '../runtime/router.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend, QueuedRequest } from '../runtime/backend.js';
import type { Server } from '../runtime/server.js';
import { trackSession, untrackSession } from '../runtime/server-sessions.js';
import type { ListenerContext } from '../http/listener-context.js';
import { formatTcpLog } from '../log/tcp-log-line.js';
import { attachPayload, markTcpSource, type PayloadView } from './payload-view.js';
import { hasRules, runTcpRules, type TcpVerdict } from './tcp-rule-runner.js';
import { proxyHeaderV1, proxyHeaderV2 } from './proxy-protocol.js';
import { readProxyHeaderFrom } from './proxy-header-reader.js';
import { dropConnection } from './drop-connection.js';

/** HAProxy's default buffer size: content inspection never waits for more than this. */
const INSPECT_BUFFER = 16384;
const MAX_TURNAROUND_MS = 1000;

/**
 * One client connection on a `mode tcp` frontend: connection rules, the PROXY
 * header when asked for, session and content rules (waiting for client bytes
 * under `tcp-request inspect-delay`), backend choice, a server connection
 * with queueing, retries and redispatch, then bytes passed both ways
 * untouched, half-closes forwarded, until both sides are done.
 */
export class TcpSession {
  private readonly router: Router;
  private readonly fe: Frontend | undefined;
  private readonly src: SampleSource;
  private readonly acceptedAt = Date.now();
  private readonly view: PayloadView = { data: Buffer.alloc(0), final: false, mayChange: false };
  private backend: Backend | undefined;
  private server: Server | undefined;
  private upstream: Socket | undefined;
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
  private timers: NodeJS.Timeout[] = [];
  /** The client side's inactivity timeout in force, and its last traffic (to order timeouts that expire together). */
  private clientTimeoutMs = 0;
  private clientActiveAt = Date.now();
  private queued: QueuedRequest | undefined;
  private onClientData: ((chunk: Buffer) => void) | undefined;
  private readonly shutdownHandle = { shutdown: () => this.abort('S') };

  /** The client's socket: the accepted one, then the TLS socket over it on `ssl` binds. */
  private client: Socket;

  constructor(raw: Socket, private readonly ctx: ListenerContext, private readonly bind: BindModel, private readonly upgrade?: TlsUpgrade) {
    this.client = raw;
    this.router = ctx.router();
    this.fe = this.router.frontends.find((f) => f.name === ctx.frontendName);
    this.src = {
      method: '', uri: '', version: '', headers: [],
      srcAddr: raw.remoteAddress ?? '', srcPort: raw.remotePort ?? 0,
      dstAddr: raw.localAddress ?? '', dstPort: raw.localPort ?? ctx.localPort,
      ssl: false, sni: undefined,
    };
    markTcpSource(this.src);
    const txn = txnOf(this.src);
    if (this.fe) {
      txn.frontend = this.fe;
      txn.backend = { name: this.fe.name, usableServers: () => this.router.backends.get(this.fe!.name)?.usableServers() ?? 0 };
    }
    txn.findBackend = (name) => this.router.backends.get(name);
    // The listener already sets TCP_NODELAY on accepted sockets (noDelay: true).
    this.watch(raw);
    if (this.fe) {
      this.fe.connections++;
      this.fe.counters.total++;
      if (this.fe.connections > this.fe.counters.max) this.fe.counters.max = this.fe.connections;
    }
    this.start();
  }

  private watch(sock: Socket): void {
    sock.on('error', () => this.abort('C'));
    sock.on('close', () => {
      if (this.finished) return;
      if (this.clientEnded && this.serverEnded) this.finish(); else this.abort('C');
    });
  }

  private start(): void {
    const fe = this.fe;
    if (!fe) { this.client.destroy(); return; }
    this.setClientTimeout(fe.timeouts.client);
    const flags: { expectProxy?: boolean } = {};
    const verdict = runTcpRules(fe.model, 'connection', this.src, { next: 0 }, flags);
    if (verdict === 'reject' || verdict === 'silent-drop') { this.refuse('silent-drop', false); return; }
    if (this.bind.acceptProxy || flags.expectProxy) this.readProxyHeader();
    else void this.handshake(Buffer.alloc(0));
  }

  /** TLS on `ssl` binds; `preread` holds bytes that followed a PROXY header. */
  private async handshake(preread: Buffer): Promise<void> {
    if (!this.upgrade) {
      if (preread.length) this.client.unshift(preread);
      this.afterHandshake();
      return;
    }
    const tls = await this.upgrade(this.client, preread);
    if (this.finished) { tls?.destroy(); return; }
    if (!tls) { this.finish(false); return; }
    this.client = tls;
    this.watch(tls);
    this.src.ssl = true;
    const sni = (tls as TLSSocket & { servername?: string | false }).servername;
    if (typeof sni === 'string' && sni) this.src.sni = sni;
    this.afterHandshake();
  }

  /** Reads the PROXY header; later rules and logs see the addresses it carries. */
  private readProxyHeader(): void {
    void readProxyHeaderFrom(this.client).then((r) => {
      if (this.finished) return;
      if (!r) { this.ctx.log(`${this.ctx.frontendName}: received something which does not look like a PROXY protocol header from ${this.src.srcAddr}`); this.refuse('silent-drop', false); return; }
      if (r.addresses) Object.assign(this.src, r.addresses);
      void this.handshake(r.rest);
    });
  }


  private afterHandshake(): void {
    const fe = this.fe!;
    const verdict = runTcpRules(fe.model, 'session', this.src, { next: 0 });
    if (verdict === 'reject' || verdict === 'silent-drop') { this.refuse(verdict, true); return; }
    this.inspecting = true;
    this.onClientData = (chunk) => this.buffer(chunk);
    this.client.on('data', this.onClientData);
    this.client.on('end', () => { this.clientEnded = true; this.view.final = true; this.progress(); });
    this.client.resume();
    this.inspect(fe.model, fe.model.settings.inspectDelay, () => this.switchBackend());
  }

  private buffer(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.view.data = this.view.data.length ? Buffer.concat([this.view.data, chunk]) : chunk;
    if (this.view.data.length >= INSPECT_BUFFER) { this.view.final = true; this.client.pause(); }
    this.progress();
  }

  private progress: () => void = () => {};

  /** Runs one proxy's content rules, waiting for data while a rule cannot decide yet. */
  private inspect(section: Frontend['model'], delay: number | undefined, next: () => void): void {
    if (!hasRules(section, 'content')) { next(); return; }
    attachPayload(this.src, this.view);
    if (!delay) this.view.final = true;
    const position = { next: 0 };
    let timer: NodeJS.Timeout | undefined;
    const step = () => {
      if (this.finished) return;
      // Rules are first evaluated once the client has sent something (or the wait is over).
      if (!this.view.final && this.view.data.length === 0) return;
      const verdict: TcpVerdict = runTcpRules(section, 'content', this.src, position);
      if (verdict === 'wait') return;
      this.progress = () => {};
      clearTimeout(timer);
      if (verdict === 'reject' || verdict === 'silent-drop') { this.refuse(verdict, true); return; }
      next();
    };
    if (delay) {
      timer = setTimeout(() => { this.view.final = true; step(); }, delay);
      this.timers.push(timer);
    }
    this.progress = step;
    step();
  }

  /** use_backend rules, then default_backend, on what the client has sent so far. */
  private selectBackend(): Backend | undefined {
    const fe = this.fe!;
    this.view.final = true;
    attachPayload(this.src, this.view);
    let backend: Backend | undefined;
    for (const ub of fe.useBackends) {
      if (ub.cond && !ub.cond.test(this.src)) continue;
      // A dynamic name that matches no backend ends the search: default_backend applies.
      backend = ub.format ? this.router.backends.get(ub.format.render(this.src)) : ub.backend;
      break;
    }
    return backend ?? fe.defaultBackend;
  }

  private switchBackend(): void {
    const fe = this.fe!;
    this.inspecting = false;
    const backend = this.selectBackend();
    if (!backend) { this.fail('SC'); return; }
    this.backend = backend;
    txnOf(this.src).backend = backend;
    backend.counters.total++;
    if (backend.isSameProxyAs(fe.model)) { this.choose(undefined); return; }
    this.view.final = false;
    this.inspect(backend.model, backend.model.settings.inspectDelay, () => this.choose(undefined));
  }

  // ---- server choice, queueing, connection retries -------------------------------------

  private choose(avoid: Server | undefined): void {
    const be = this.backend!;
    const picked = be.balancer.pick({ srcAddr: plainAddress(this.src.srcAddr), uri: '', src: this.src }, avoid) as Server | null;
    if (picked) { if (this.assignedAt < 0) this.assignedAt = Date.now(); this.attach(picked); return; }
    if (!be.anyUsable()) { this.fail('SC'); return; }
    // Every usable server is at its maxconn: wait in the backend queue.
    const limit = be.timeouts.queue ?? be.timeouts.connect ?? 0;
    const position = be.dequeued;
    const leave = () => { this.queued = undefined; this.assignedAt = Date.now(); this.beQueue = be.dequeued - position + 1; };
    const entry: QueuedRequest = {
      wake: () => { leave(); if (!this.finished) this.choose(avoid); },
      timer: setTimeout(() => {
        const i = be.queue.indexOf(entry);
        if (i >= 0) be.queue.splice(i, 1);
        leave();
        this.fail('sQ');
      }, limit || 2 ** 31 - 1),
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
    trackSession(server, this.shutdownHandle);
    const o = server.model.options;
    const started = Date.now();
    const tlsOptions = o.ssl ? server.pool.tls : undefined;
    // A server without a port takes the one the client connected to.
    const raw = netConnect({ host: server.address, port: server.model.port || this.src.dstPort, allowHalfOpen: true, noDelay: true });
    const sock: Socket = tlsOptions ? tlsConnect({ ...tlsOptions, socket: raw, host: server.address, ...this.serverName(server) }) : raw;
    if (sock !== raw) { raw.once('error', (e) => sock.destroy(e)); sock.setNoDelay(true); }
    this.upstream = sock;
    // The socket's own inactivity timer serves as the connect timeout: no extra timer per connection.
    const connectTimeout = be.timeouts.connect;
    if (connectTimeout) {
      sock.setTimeout(connectTimeout);
      sock.once('timeout', () => { sock.destroy(); onFail(true); });
    }
    let done = false;
    const onFail = (timedOut = false) => {
      if (done) return;
      done = true;
      this.release();
      server.counters.failedConnects++;
      be.counters.failedConnects++;
      this.retry(server, timedOut);
    };
    const onError = () => onFail();
    sock.once('error', onError);
    sock.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      if (done || this.finished) { sock.destroy(); return; }
      done = true;
      sock.removeListener('error', onError);
      this.connectMs = Date.now() - started;
      this.established(sock);
    });
  }

  private serverName(server: Server): { servername?: string } {
    const expr = server.pool.sniExpr;
    if (!expr) return {};
    const v = evalSampleOne(expr, this.src);
    return v === undefined ? {} : { servername: valueToString(v) };
  }

  private retry(failed: Server, timedOut: boolean): void {
    const be = this.backend!;
    if (this.finished) return;
    if (this.retries >= be.retries) { this.fail('SC'); return; }
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
      this.timers.push(setTimeout(() => { if (!this.finished) { if (failed.usable()) this.attach(failed); else this.choose(failed); } }, pause));
    } else this.choose(failed);
  }

  // ---- the tunnel -------------------------------------------------------------------------

  private established(sock: Socket): void {
    const server = this.server!;
    const mode = server.model.options.sendProxy;
    if (mode) {
      const addrs = { srcAddr: this.src.srcAddr, srcPort: this.src.srcPort ?? 0, dstAddr: this.src.dstAddr ?? '', dstPort: this.src.dstPort };
      sock.write(mode === 2 ? proxyHeaderV2(addrs) : proxyHeaderV1(addrs));
    }
    if (this.onClientData) this.client.removeListener('data', this.onClientData);
    this.progress = () => {};
    if (this.view.data.length) sock.write(this.view.data);
    this.view.data = Buffer.alloc(0);
    this.client.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      this.clientActiveAt = Date.now();
      if (!sock.write(chunk)) { this.client.pause(); sock.once('drain', () => this.client.resume()); }
    });
    sock.on('data', (chunk: Buffer) => {
      this.bytesOut += chunk.length;
      this.clientActiveAt = Date.now();
      if (!this.client.write(chunk)) { sock.pause(); this.client.once('drain', () => sock.resume()); }
    });
    // Once connected, `timeout tunnel` replaces both inactivity timeouts.
    const tunnel = this.backend!.timeouts.tunnel;
    if (!this.clientEnded) this.setClientTimeout(tunnel ?? this.fe!.timeouts.client);
    this.setServerTimeout(tunnel ?? this.backend!.timeouts.server);
    if (this.clientEnded) this.clientShut();
    else this.client.once('end', () => this.clientShut());
    sock.once('end', () => this.serverShut());
    sock.on('error', () => this.abort('S'));
    sock.on('close', () => { if (!this.finished) { if (this.clientEnded && this.serverEnded) this.finish(); else this.abort('S'); } });
    this.client.resume();
  }

  /**
   * No more bytes from the client (its FIN, or its inactivity timeout): the
   * server gets a FIN once what was read is written. As in HAProxy, the side
   * that was sent a FIN then waits under its `-fin` timeout when one is set.
   */
  private clientShut(): void {
    if (this.clientEnded && this.upstream?.writableEnded) return;
    this.clientEnded = true;
    this.view.final = true;
    this.client.setTimeout(0);
    this.upstream?.end();
    const serverFin = this.backend!.model.settings.timeouts['server-fin'];
    if (serverFin !== undefined && !this.serverEnded) this.setServerTimeout(serverFin);
    this.maybeDone();
  }

  /** No more bytes from the server: the mirror of clientShut. */
  private serverShut(): void {
    if (this.serverEnded) return;
    this.serverEnded = true;
    this.upstream?.setTimeout(0);
    this.client.end();
    const clientFin = this.fe!.model.settings.timeouts['client-fin'];
    if (clientFin !== undefined && !this.clientEnded) this.setClientTimeout(clientFin);
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.clientEnded && this.serverEnded) {
      // Both directions are shut: once our last bytes are flushed the session is over.
      const close = () => this.finish();
      if (this.client.writableFinished && (this.upstream?.writableFinished ?? true)) close();
      else setImmediate(close);
    }
  }

  /**
   * The inactivity timeout of one side (refreshed by bytes either way on that
   * side). Before the tunnel it ends the session; in the tunnel it only stops
   * reading that side and forwards a FIN, as HAProxy's read timeout does: the
   * session ends when the other direction is done too, and is logged with
   * the first timeout (`cD`/`sD`).
   */
  private setClientTimeout(ms: number | undefined): void {
    this.clientTimeoutMs = ms ?? 0;
    this.client.setTimeout(ms ?? 0);
    this.client.removeAllListeners('timeout');
    if (!ms) return;
    this.client.once('timeout', () => {
      if (this.connectMs < 0) { this.abort('c'); return; }
      if (this.termination === '--') this.termination = 'cD';
      this.client.pause();
      this.clientShut();
    });
  }

  private setServerTimeout(ms: number | undefined): void {
    const sock = this.upstream;
    if (!sock) return;
    sock.setTimeout(ms ?? 0);
    sock.removeAllListeners('timeout');
    if (!ms) return;
    sock.once('timeout', () => {
      // Both sides expiring together count as the client's timeout: HAProxy checks that side first.
      const clientDue = !this.clientEnded && this.clientTimeoutMs > 0 && Date.now() - this.clientActiveAt >= this.clientTimeoutMs - 1;
      if (clientDue) this.client.emit('timeout');
      if (this.termination === '--') this.termination = 'sD';
      sock.pause();
      this.serverShut();
    });
  }

  // ---- endings ----------------------------------------------------------------------------

  /** A rule dropped the connection; `logged` when HAProxy has a session to log by then. */
  private refuse(how: 'reject' | 'silent-drop', logged: boolean): void {
    if (this.fe) this.fe.counters.denied++;
    if (how === 'silent-drop') dropConnection(this.client); else this.client.destroy();
    this.termination = 'PR';
    this.finish(logged);
  }

  private fail(termination: string): void {
    this.termination = termination;
    this.client.destroy();
    this.finish();
  }

  /**
   * Ends the session on an error or a timeout. HAProxy's two-letter state:
   * who (C/S client or server closed, c/s their timeout) then the phase
   * (R before a server was chosen, Q queued, C connecting, D passing data).
   */
  private abort(who: 'C' | 'S' | 'c' | 's'): void {
    if (this.finished) return;
    const phase = this.connectMs >= 0 ? 'D' : this.queued ? 'Q' : this.upstream ? 'C' : 'R';
    // A client gone during inspection: HAProxy still runs the switching rules on what arrived, and logs that backend.
    if (who === 'C' && this.inspecting && !this.backend) this.backend = this.selectBackend();
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
    untrackSession(server, this.shutdownHandle);
    server.end();
    this.backend!.active--;
    this.backend!.slotFreed();
    this.lastServer = server;
  }

  private lastServer: Server | undefined;

  private finish(log = true): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
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
    const stick = peekStickTxn(this.src);
    if (stick) releaseConnection(stick, this.bytesIn, this.bytesOut);
    const fe = this.fe;
    if (fe) {
      fe.connections--;
      fe.counters.bytesIn += this.bytesIn;
      fe.counters.bytesOut += this.bytesOut;
    }
    if (this.backend) { this.backend.counters.bytesIn += this.bytesIn; this.backend.counters.bytesOut += this.bytesOut; }
    if (server) { server.counters.bytesIn += this.bytesIn; server.counters.bytesOut += this.bytesOut; }
    if (!log || !fe || !fe.model.settings.logEnabled || !fe.model.settings.tcplog) return;
    const shown = server ?? this.lastServer;
    this.ctx.log(formatTcpLog({
      clientAddr: plainAddress(this.src.srcAddr), clientPort: this.src.srcPort ?? 0, acceptedAt: this.acceptedAt,
      frontend: fe.name, ssl: this.bind.ssl,
      backend: this.backend?.name ?? fe.name, server: shown?.name ?? '<NOSRV>',
      tw: this.assignedAt >= 0 ? this.assignedAt - this.acceptedAt : -1, tc: this.connectMs, tt: Date.now() - this.acceptedAt,
      bytes: this.bytesOut, termination: this.termination,
      actconn: this.ctx.activeConnections(), feconn: fe.connections + 1 /* HAProxy counts the session being logged */, beconn: this.backend?.active ?? 0, srvconn: shown?.active ?? 0, retries: this.retries,
      redispatched: this.redispatched, beQueue: this.beQueue,
    }));
  }
}
