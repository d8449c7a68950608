import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import type { Router } from '../runtime/router.js';
import { findHeadEnd, parseRequestHead } from './head-parser.js';
import { ChunkedScanner } from './chunked-scanner.js';
import { HttpParseError, type RequestHead, type ResponseHead } from './http-head.js';
import { errorResponse, serializeLocalResponse, type LocalResponse } from './local-response.js';
import type { ListenerContext } from './listener-context.js';
import type { ProxiedRequest } from './proxied-request.js';
import { routeRequest } from './request-router.js';
import { UpstreamExchange, type ExchangeSink } from './upstream-exchange.js';
import { buildUpstreamHead, isIdempotent } from './upstream-head.js';
import { findCookie, responseHeaders, serializeResponseHead, stripCookie } from './response-head-writer.js';
import { formatHttpLog } from '../log/http-log-line.js';

/** Request heads larger than this get 431 (or 414 when the request line alone is too long). */
export const MAX_HEAD_BYTES = 16 * 1024;
export const MAX_URI_BYTES = 8 * 1024;

const enum Phase { Head, Body, Waiting, Tunnel, Closed }

/**
 * One client connection speaking HTTP/1.x over TCP or TLS. Requests are read
 * with the strict incremental head parser and handled one at a time (pipelined
 * requests wait in the buffer); each becomes an UpstreamExchange.
 */
export class ClientConnection implements ExchangeSink {
  private phase = Phase.Head;
  private buf: Buffer | null = null;
  private firstRequest = true;
  private headTimer: NodeJS.Timeout | undefined;
  private fe: Frontend | undefined;
  private router: Router | undefined;
  private exchange: UpstreamExchange | null = null;
  private backend: Backend | undefined;
  private req: ProxiedRequest | null = null;
  private head: RequestHead | null = null;
  private bodyRemaining = 0;
  private bodyScanner: ChunkedScanner | null = null;
  private closeAfter = false;
  private responseStarted = false;
  private bytesOut = 0;
  private status = 0;
  private clientCookie: string | undefined;
  private readonly remoteAddress: string;
  private readonly remotePort: number;

  constructor(private readonly socket: Socket, private readonly ctx: ListenerContext) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', () => this.closed());
    socket.on('close', () => this.closed());
    socket.on('drain', () => this.exchange?.resumeResponse());
    socket.on('end', () => { if (this.phase === Phase.Head && !this.buf) socket.destroy(); });
    this.fe = this.frontend();
    if (!this.fe) { socket.destroy(); return; }
    this.fe.connections++;
    this.armHeadTimer();
    const clientTimeout = this.fe.timeouts.client;
    if (clientTimeout !== undefined) socket.setTimeout(clientTimeout, this.onClientTimeout);
  }

  private frontend(): Frontend | undefined {
    this.router = this.ctx.router();
    return this.router.frontends.find((f) => f.name === this.ctx.frontendName);
  }

  // ---- timers ------------------------------------------------------------------------------

  private headTimerMs = -1;

  /** Arms the head timer, reusing one timer object per connection (refresh is cheaper than a new timer). */
  private armHeadTimer(): void {
    const t = this.fe!.timeouts;
    const ms = this.buf || this.firstRequest ? t['http-request'] : t['http-keep-alive'];
    if (ms === undefined) { clearTimeout(this.headTimer); return; }
    if (this.headTimer && this.headTimerMs === ms) { this.headTimer.refresh(); return; }
    clearTimeout(this.headTimer);
    this.headTimerMs = ms;
    this.headTimer = setTimeout(this.onHeadTimeout, ms);
  }

  private readonly onHeadTimeout = (): void => {
    if (this.phase !== Phase.Head) return;
    if (this.buf && this.buf.length > 0) this.reject(408, 'cR--');
    else this.socket.destroy();
  };

  private readonly onClientTimeout = (): void => {
    // Waiting for the server is the server timeout's business.
    if (this.phase === Phase.Waiting) return;
    if (this.phase === Phase.Head && this.buf && this.buf.length > 0) { this.reject(408, 'cR--'); return; }
    this.exchange?.cancel();
    this.socket.destroy();
  };

  // ---- reading -----------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    switch (this.phase) {
      case Phase.Head: {
        const wasEmpty = !this.buf;
        this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
        if (wasEmpty && !this.firstRequest) this.armHeadTimer();
        this.tryHead();
        return;
      }
      case Phase.Body: this.onBody(chunk); return;
      case Phase.Waiting:
        // Pipelined bytes: keep them for after the response and stop reading.
        this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
        this.socket.pause();
        return;
      default: return;
    }
  };

  private tryHead(): void {
    const buf = this.buf!;
    // Tolerate blank lines between requests, as HTTP/1.1 allows.
    let start = 0;
    while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
    const end = findHeadEnd(buf, start);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD_BYTES) {
        const eol = buf.indexOf(10, start);
        this.reject(eol < 0 || eol - start > MAX_URI_BYTES ? 414 : 431, 'PR--');
      }
      return;
    }
    if (end - start > MAX_HEAD_BYTES) { this.reject(buf.indexOf(10, start) - start > MAX_URI_BYTES ? 414 : 431, 'PR--'); return; }
    let head: RequestHead;
    try {
      head = parseRequestHead(buf.subarray(start, end), MAX_URI_BYTES);
    } catch (e) {
      if (e instanceof HttpParseError) { this.reject(e.status, 'PR--'); return; }
      throw e;
    }
    // The head timer keeps running; it ignores phases other than Head and is refreshed for the next request.
    const rest = buf.subarray(end);
    this.buf = null;
    this.handle(head, rest);
  }

  private reject(status: number, termination: string): void {
    clearTimeout(this.headTimer);
    if (this.fe) this.fe.counters.requestErrors++;
    this.status = status;
    const out = serializeLocalResponse(errorResponse(status), true);
    this.bytesOut = out.length;
    this.logLine(null, termination, '<NOSRV>', 'BADREQ', '', '1.1', Date.now());
    this.phase = Phase.Closed;
    this.socket.end(out);
    this.socket.destroySoon?.();
  }

  // ---- one request -------------------------------------------------------------------------

  private handle(head: RequestHead, rest: Buffer): void {
    const now = Date.now();
    if (head.chunked && rest.length > 0) {
      // Chunk framing that arrived with the head is checked before any server sees the request.
      try { new ChunkedScanner(400).scan(rest, 0); } catch { this.reject(400, 'PR--'); return; }
    }
    const fe = this.frontend();
    if (!fe) { this.socket.destroy(); return; }
    if (fe !== this.fe) { this.fe!.connections--; fe.connections++; this.fe = fe; }
    const router = this.router!;
    this.head = head;
    this.firstRequest = false;
    this.responseStarted = false;
    this.bytesOut = 0;
    this.status = 0;
    this.closeAfter = head.wantsClose || this.ctx.stopping();
    const tls = this.ctx.ssl ? (this.socket as TLSSocket) : undefined;
    const req: ProxiedRequest = {
      method: head.method, uri: head.uri, version: head.version, headers: head.headers,
      srcAddr: this.remoteAddress, dstPort: this.ctx.localPort, ssl: this.ctx.ssl,
      sni: tls && typeof tls.servername === 'string' ? tls.servername : undefined,
      receivedAt: now, headReceivedAt: now, modified: false,
    };
    this.req = req;
    fe.counters.total++;
    const hasBody = head.chunked || head.contentLength > 0;
    const decision = routeRequest(router, fe, req);
    if (decision.kind === 'respond') {
      if (decision.termination === 'PR--' && decision.response.status === 403) fe.counters.denied++;
      this.backend = decision.backend;
      // A body we will not read would be taken for the next request: close instead.
      if (hasBody) this.closeAfter = true;
      this.respondLocally(decision.response, decision.termination, decision.backend?.name ?? fe.name, decision.server, now);
      if (!hasBody && rest.length > 0 && this.phase === Phase.Head) { this.stash(rest); this.tryHead(); }
      return;
    }
    const be = decision.backend;
    this.backend = be;
    be.counters.total++;
    this.clientCookie = undefined;
    if (be.cookie) {
      this.clientCookie = findCookie(req.headers, be.cookie.name);
      if (be.cookie.indirect && this.clientCookie !== undefined) { stripCookie(req.headers, be.cookie.name); req.modified = true; }
    }
    const upgrade = head.upgrade && !hasBody;
    this.phase = hasBody ? Phase.Body : Phase.Waiting;
    const exchange = new UpstreamExchange(be, {
      method: req.method,
      // An untouched HTTP/1.1 request goes out as the bytes that came in.
      head: !req.modified && !head.hopByHop && head.version === '1.1' && req.uri === head.uri && req.method === head.method
        ? head.raw
        : buildUpstreamHead(req.method, req.uri, head.version, req.headers, upgrade),
      body: hasBody ? 'raw' : 'none',
      idempotent: isIdempotent(req.method),
      upgrade,
      balance: { srcAddr: req.srcAddr, uri: req.uri },
      persistCookie: this.clientCookie,
    }, this);
    this.exchange = exchange;
    if (hasBody) {
      if (head.chunked) this.bodyScanner = new ChunkedScanner(400);
      else this.bodyRemaining = head.contentLength;
    }
    exchange.start();
    if (hasBody && rest.length > 0 && this.exchange === exchange) this.onBody(rest);
    else if (rest.length > 0) {
      this.stash(rest);
      // The exchange may have ended at once (no server): a pipelined request is next.
      if ((this.phase as Phase) === Phase.Head && this.exchange === null) this.tryHead();
    }
  }

  private stash(bytes: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, bytes]) : bytes;
    if (this.phase === Phase.Waiting) this.socket.pause();
  }

  private onBody(chunk: Buffer): void {
    const exchange = this.exchange;
    let body = chunk;
    let rest: Buffer | null = null;
    let complete = false;
    if (this.bodyScanner) {
      let end: number;
      try { end = this.bodyScanner.scan(chunk, 0); } catch { this.badBody(); return; }
      if (this.bodyScanner.done) { complete = true; if (end < chunk.length) { body = chunk.subarray(0, end); rest = chunk.subarray(end); } }
    } else {
      if (chunk.length >= this.bodyRemaining) {
        if (chunk.length > this.bodyRemaining) { body = chunk.subarray(0, this.bodyRemaining); rest = chunk.subarray(this.bodyRemaining); }
        this.bodyRemaining = 0;
        complete = true;
      } else this.bodyRemaining -= chunk.length;
    }
    if (!exchange) {
      // The response already went out (early answer): just discard the body.
      if (complete) this.afterBody(rest);
      return;
    }
    const ok = exchange.pushBody(body);
    if (complete) {
      exchange.endBody();
      this.afterBody(rest);
    } else if (!ok) this.socket.pause();
  }

  private afterBody(rest: Buffer | null): void {
    this.bodyScanner = null;
    if (this.phase === Phase.Body) this.phase = this.exchange ? Phase.Waiting : Phase.Head;
    if (rest && rest.length) this.stash(rest);
    if (this.phase === Phase.Head) this.nextRequest();
  }

  private badBody(): void {
    // Framing broke mid-body: the server got part of a request; cut both sides.
    const started = this.responseStarted;
    this.exchange?.cancel();
    this.exchange = null;
    if (started) { this.socket.destroy(); return; }
    this.status = 400;
    this.phase = Phase.Closed;
    this.socket.end(serializeLocalResponse(errorResponse(400), true));
  }

  onRequestDrain(): void { if (this.phase === Phase.Body) this.socket.resume(); }

  // ---- responses ---------------------------------------------------------------------------

  private respondLocally(r: LocalResponse, termination: string, backendName: string, serverName: string, startedAt: number): void {
    this.status = r.status;
    const out = serializeLocalResponse(r, this.closeAfter, this.head?.method === 'HEAD');
    this.bytesOut = out.length;
    this.countStatus(r.status);
    this.logLine(this.head, termination, serverName, backendName, this.req?.uri ?? '', this.head?.version ?? '1.1', startedAt);
    this.socket.write(out);
    this.phase = this.head && (this.head.chunked || this.head.contentLength > 0) ? Phase.Closed : Phase.Head;
    this.endOfExchange();
  }

  onInterim(raw: Buffer): void { this.socket.write(raw); }

  onResponseHead(head: ResponseHead): Buffer {
    this.responseStarted = true;
    this.status = head.status;
    const ex = this.exchange!;
    const headers = responseHeaders(head, this.fe!, this.backend!, ex.server, this.req!, this.clientCookie);
    if (head.serverClose && head.contentLength < 0 && !head.chunked) this.closeAfter = true;
    // Nothing to change: the server's head bytes go out untouched.
    if (headers === null && !this.closeAfter) return head.raw;
    const list = headers ?? head.headers.slice();
    if (this.closeAfter) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]![0].toLowerCase() === 'connection') list.splice(i, 1);
      if (head.status !== 101) list.push(['connection', 'close']);
    }
    return Buffer.from(serializeResponseHead(head.status, head.reason, list), 'latin1');
  }

  onResponseBody(chunk: Buffer): boolean {
    this.bytesOut += chunk.length;
    return this.socket.write(chunk);
  }

  onResponseEnd(): void {
    const ex = this.exchange!;
    this.countStatus(this.status, ex);
    this.logLine(this.head, '----', ex.server?.name ?? '<NOSRV>', this.backend!.name, this.req!.uri, this.head!.version, this.req!.receivedAt, ex);
    this.exchange = null;
    if (this.phase === Phase.Body) {
      // The server answered before the request body ended: stop here.
      this.closeAfter = true;
    }
    this.phase = Phase.Head;
    this.endOfExchange();
  }

  onFailure(status: 502 | 503 | 504, termination: string): void {
    const ex = this.exchange!;
    this.exchange = null;
    if (this.phase === Phase.Body) this.closeAfter = true;
    const r = errorResponse(status);
    this.status = status;
    const out = serializeLocalResponse(r, this.closeAfter, false);
    this.bytesOut = out.length;
    this.countStatus(status, ex);
    this.logLine(this.head, termination, ex.server?.name ?? '<NOSRV>', this.backend!.name, this.req!.uri, this.head!.version, this.req!.receivedAt, ex);
    this.socket.write(out);
    this.phase = Phase.Head;
    this.endOfExchange();
  }

  onAbort(termination: string): void {
    const ex = this.exchange!;
    this.exchange = null;
    this.logLine(this.head, termination, ex.server?.name ?? '<NOSRV>', this.backend!.name, this.req!.uri, this.head!.version, this.req!.receivedAt, ex);
    this.phase = Phase.Closed;
    this.socket.destroy();
  }

  onTunnel(upstream: Socket, rest: Buffer): void {
    this.phase = Phase.Tunnel;
    clearTimeout(this.headTimer);
    this.exchange = null;
    const tunnelTimeout = this.backend!.timeouts.tunnel ?? this.fe!.timeouts.tunnel;
    this.socket.setTimeout(tunnelTimeout ?? 0, tunnelTimeout ? () => { this.socket.destroy(); upstream.destroy(); } : undefined!);
    if (rest.length) this.socket.write(rest);
    if (this.buf) { upstream.write(this.buf); this.buf = null; }
    this.socket.removeListener('data', this.onData);
    this.socket.removeAllListeners('drain');
    this.socket.pipe(upstream);
    upstream.pipe(this.socket);
    upstream.on('error', () => this.socket.destroy());
    upstream.on('close', () => this.socket.destroy());
    this.socket.on('close', () => upstream.destroy());
    if (this.socket.isPaused()) this.socket.resume();
  }


  private countStatus(status: number, ex?: UpstreamExchange): void {
    this.fe!.counters.countStatus(status);
    this.fe!.counters.bytesOut += this.bytesOut;
    if (this.backend) {
      this.backend.counters.countStatus(status);
      this.backend.counters.bytesOut += this.bytesOut;
    }
    if (ex?.server) {
      ex.server.counters.countStatus(status);
      ex.server.counters.bytesOut += this.bytesOut;
      ex.server.counters.bytesIn += ex.bytesIn;
    }
  }

  private endOfExchange(): void {
    this.req = null;
    if (this.closeAfter || this.ctx.stopping() || this.phase === Phase.Closed) {
      this.phase = Phase.Closed;
      this.socket.end();
      return;
    }
    if (this.phase !== Phase.Head) return;
    this.nextRequest();
  }

  private nextRequest(): void {
    this.phase = Phase.Head;
    this.armHeadTimer();
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buf && this.buf.length > 0) this.tryHead();
    else this.buf = null;
  }

  private closed(): void {
    if (this.phase === Phase.Closed && !this.fe) return;
    this.phase = Phase.Closed;
    clearTimeout(this.headTimer);
    this.exchange?.cancel();
    this.exchange = null;
    if (this.fe) { this.fe.connections--; this.fe = undefined; }
  }

  /** Graceful stop: close now if idle between requests, otherwise after the current response. */
  closeIfIdle(): void {
    if (this.phase === Phase.Head && !this.buf) this.socket.end();
  }

  // ---- logging -----------------------------------------------------------------------------

  private logLine(head: RequestHead | null, termination: string, server: string, backend: string, uri: string, version: string, startedAt: number, ex?: UpstreamExchange): void {
    const fe = this.fe;
    if (!fe || !fe.httplog || !fe.model.settings.logEnabled) return;
    const now = Date.now();
    this.ctx.log(formatHttpLog({
      clientAddr: this.remoteAddress.replace(/^::ffff:(?=\d+\.)/, ''), clientPort: this.remotePort, acceptedAt: startedAt,
      frontend: fe.name, ssl: this.ctx.ssl, backend, server,
      tr: 0, tw: ex ? Math.max(0, ex.queuedMs) : -1, tc: ex ? ex.connectMs : -1, trServer: ex ? ex.responseMs : -1, ta: now - startedAt,
      status: this.status, bytes: this.bytesOut, termination,
      actconn: this.ctx.activeConnections(), feconn: fe.connections, beconn: this.backend?.active ?? 0, srvconn: ex?.server?.active ?? 0,
      retries: ex?.retries ?? 0,
      method: head?.method ?? '<BADREQ>', uri: head ? uri : '', version,
    }));
  }
}
