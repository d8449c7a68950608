import { SessionState, Txn } from '../sample/txn.js';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import type { Router } from '../runtime/router.js';
import { findHeadEnd, parseRequestHead } from './head-parser.js';
import { ChunkedScanner } from './chunked-scanner.js';
import { H2_PREFACE } from './h2-session-host.js';
import { closesServerSide, noServerReuse } from './connection-mode.js';
import { parseErrorReply } from './parse-error-reply.js';
import { withKeepAliveNotice } from './keep-alive-notice.js';
import { HttpParseError, type RequestHead, type ResponseHead } from './http-head.js';
import { errorResponse, serializeLocalResponse, type LocalResponse } from './local-response.js';
import { localResponseForcesClose, withProxyErrorFile } from './error-reply.js';
import type { ListenerContext } from './listener-context.js';
import type { UpgradedStart } from '../tcp/http-upgrade.js';
import type { ProxiedRequest } from './proxied-request.js';
import { routeAndStick } from './request-router.js';
import { dechunk, LOCAL_BODY_LIMIT } from './local-body.js';
import { cacheResponseBody, cacheResponseEnd } from '../cache/cache-actions.js';
import { UpstreamExchange, type ExchangeSink } from './upstream-exchange.js';
import { buildUpstreamHead, isIdempotent } from './upstream-head.js';
import { responseHeaders, serializeResponseHead } from './response-head-writer.js';
import { readRequestCookie } from './persistence-cookie.js';
import type { ResponseState } from './rule-engine.js';
import { afterResponseOnLocal } from '../rules/after-response.js';
import { RequestTransaction } from './request-transaction.js';
import { frontendLogs } from '../log/proxy-log.js';
import { requestByteCount, stickEnd, stickStore } from '../stick/stick-runtime.js';
import { StickPending, abandonStick, runStickAttempt, stickIsShared, stickSuspended } from '../stick/stick-shared.js';

/**
 * Request heads larger than this get 400, as in HAProxy, whose head must fit
 * in one buffer less its rewrite reserve (16384 - 1024 bytes by default, a
 * little less after its per-field overhead).
 */
export const MAX_HEAD_BYTES = 15 * 1024 - 128;
export const MAX_URI_BYTES = MAX_HEAD_BYTES;

const enum Phase {
  Head,
  Body,
  Waiting,
  Tunnel,
  Closed,
}

/**
 * One client connection speaking HTTP/1.x over TCP or TLS. Requests are read
 * with the strict incremental head parser and handled one at a time (pipelined
 * requests wait in the buffer); each becomes an UpstreamExchange.
 */
export class ClientConnection implements ExchangeSink {
  private phase = Phase.Head;
  private buf: Buffer | null = null;
  private firstRequest = true;
  /** Set while a local answer from http-response rules replaces the server's response. */
  private dropResponseBody = false;
  /** `sess`-scope variables live as long as the client connection. */
  private session = new SessionState();
  /** Upgraded from a TCP frontend: the backend its first request goes to (switching rules already ran). */
  private upgradedTo: Backend | undefined;
  private headTimer: NodeJS.Timeout | undefined;
  private fe: Frontend | undefined;
  private router: Router | undefined;
  private exchange: UpstreamExchange | null = null;
  private backend: Backend | undefined;
  private req: ProxiedRequest | null = null;
  private head: RequestHead | null = null;
  private bodyRemaining = 0;
  private bodyScanner: ChunkedScanner | null = null;
  /** Collects a body the proxy answers itself instead of forwarding it. */
  private bodySink: { parts: Buffer[]; size: number; chunked: boolean; done: (body: Buffer) => void } | null = null;
  private closeAfter = false;
  private responseStarted = false;
  private bytesOut = 0;
  private status = 0;
  private clientCookie: string | undefined;
  private readonly remoteAddress: string;
  /** Counters and log line of the current request (one object for the connection's life). */
  private tx: RequestTransaction | undefined;
  private readonly remotePort: number;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ListenerContext,
    upgraded?: UpgradedStart,
  ) {
    if (upgraded) {
      this.upgradedTo = upgraded.backend;
      if (upgraded.session) this.session = upgraded.session;
    }
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', () => this.closed());
    socket.on('close', () => this.closed());
    socket.on('drain', () => this.exchange?.resumeResponse());
    // A client that half-closes after its request still gets the answer (then the connection closes), as from HAProxy.
    socket.allowHalfOpen = true;
    socket.on('end', this.onClientEnd);
    this.fe = this.frontend();
    if (!this.fe) {
      socket.destroy();
      return;
    }
    this.fe.connections++;
    this.armHeadTimer();
    const clientTimeout = this.fe.timeouts.client;
    if (clientTimeout !== undefined) socket.setTimeout(clientTimeout, this.onClientTimeout);
  }

  private sockPort: number | undefined;
  private sockAddr: string | undefined;
  /** The local end of the connection, read once (it cannot change). */
  private localPort(): number {
    return (this.sockPort ??= this.socket.localPort ?? this.ctx.localPort);
  }
  private localAddress(): string | undefined {
    return (this.sockAddr ??= this.socket.localAddress ?? undefined);
  }

  private frontend(): Frontend | undefined {
    const router = this.ctx.router();
    // The same configuration as for the last request: the same frontend (a reload brings a new router).
    if (router === this.router && this.fe) return this.fe;
    this.router = router;
    const name = this.ctx.frontendName;
    return router.frontends.find((f) => f.name === name);
  }

  // ---- timers ------------------------------------------------------------------------------

  private headTimerMs = -1;

  /** Arms the head timer, reusing one timer object per connection (refresh is cheaper than a new timer). */
  private armHeadTimer(): void {
    const t = this.fe!.timeouts;
    const ms = this.buf || this.firstRequest ? t['http-request'] : t['http-keep-alive'];
    if (ms === undefined) {
      clearTimeout(this.headTimer);
      return;
    }
    if (this.headTimer && this.headTimerMs === ms) {
      this.headTimer.refresh();
      return;
    }
    clearTimeout(this.headTimer);
    this.headTimerMs = ms;
    this.headTimer = setTimeout(this.onHeadTimeout, ms);
  }

  private readonly onHeadTimeout = (): void => {
    if (this.phase !== Phase.Head) return;
    if (this.buf && this.buf.length > 0) this.reject(408, 'cR--');
    else this.socket.destroy();
  };

  /** Set once the client sent its FIN: what it sent before is still served, nothing more will come. */
  private clientEnded = false;

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    if (this.phase === Phase.Body) {
      // The request body can no longer be completed: give up without an answer, as HAProxy does.
      this.exchange?.cancel();
      this.exchange = null;
      this.socket.destroy();
      return;
    }
    if (this.phase !== Phase.Head) return;
    // Between requests: a partial head is answered 400, otherwise the connection just closes.
    const pending = this.buf?.some((b) => b !== 13 && b !== 10) ?? false;
    if (pending) {
      this.reject(400, 'CR--');
      return;
    }
    // end(), not destroy(): an answer just written must still leave.
    this.phase = Phase.Closed;
    clearTimeout(this.headTimer);
    this.socket.end();
  };

  private readonly onClientTimeout = (): void => {
    // Waiting for the server is the server timeout's business.
    if (this.phase === Phase.Waiting) return;
    if (this.phase === Phase.Head && this.buf && this.buf.length > 0) {
      this.reject(408, 'cR--');
      return;
    }
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
      case Phase.Body:
        this.onBody(chunk);
        return;
      case Phase.Waiting:
        // Pipelined bytes: keep them for after the response and stop reading.
        this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
        this.socket.pause();
        return;
      default:
        return;
    }
  };

  /**
   * A connection that opens with the HTTP/2 preface is served as HTTP/2
   * (prior knowledge), as HAProxy does on any HTTP bind. Returns true
   * when the bytes so far are, or may still become, that preface.
   */
  private h2Preface(buf: Buffer): boolean {
    if (!this.firstRequest || !this.ctx.upgradeToH2) return false;
    const n = Math.min(buf.length, H2_PREFACE.length);
    if (buf.compare(H2_PREFACE, 0, n, 0, n) !== 0) return false;
    if (buf.length < H2_PREFACE.length) return true;
    clearTimeout(this.headTimer);
    this.phase = Phase.Tunnel;
    this.buf = null;
    this.socket.removeListener('data', this.onData);
    this.socket.removeAllListeners('drain');
    this.socket.removeAllListeners('end');
    this.socket.allowHalfOpen = false;
    // The HTTP/2 session has streams of its own to wait for: the HTTP/1 idle timer no longer applies.
    this.socket.setTimeout(0);
    // Paused, so that the bytes put back are read by the HTTP/2 session and not dropped.
    this.socket.pause();
    this.ctx.upgradeToH2(this.socket, buf);
    return true;
  }

  private tryHead(): void {
    const buf = this.buf!;
    if (this.h2Preface(buf)) return;
    // Tolerate blank lines between requests, as HTTP/1.1 allows.
    let start = 0;
    while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
    const end = findHeadEnd(buf, start);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD_BYTES) this.reject(400, 'PR--');
      return;
    }
    if (end - start > MAX_HEAD_BYTES) {
      this.reject(400, 'PR--');
      return;
    }
    let head: RequestHead;
    try {
      head = parseRequestHead(buf.subarray(start, end), MAX_URI_BYTES);
    } catch (e) {
      if (e instanceof HttpParseError) {
        this.reject(e.status, 'PR--');
        return;
      }
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
    const out = parseErrorReply(status === 408 || status === 505 || status === 501 ? status : 400, this.fe?.model);
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
      try {
        new ChunkedScanner(400).scan(rest, 0);
      } catch {
        this.reject(400, 'PR--');
        return;
      }
    }
    const fe = this.frontend();
    if (!fe) {
      this.socket.destroy();
      return;
    }
    if (fe !== this.fe) {
      this.fe!.connections--;
      fe.connections++;
      this.fe = fe;
    }
    const router = this.router!;
    this.head = head;
    const firstRequest = this.firstRequest;
    this.firstRequest = false;
    this.responseStarted = false;
    this.bytesOut = 0;
    this.status = 0;
    // `option httpclose` on the frontend closes the client side after each response.
    this.closeAfter = head.wantsClose || this.ctx.stopping() || fe.model.settings.httpConnMode === 'close';
    const tls = this.ctx.ssl ? (this.socket as TLSSocket) : undefined;
    // Every field written in the same order on every request: one object shape for the whole hot path.
    const req: ProxiedRequest = {
      method: head.method,
      uri: head.uri,
      version: head.version,
      headers: head.headers,
      srcAddr: this.remoteAddress,
      dstPort: this.localPort(),
      ssl: this.ctx.ssl,
      sni: tls && typeof tls.servername === 'string' ? tls.servername : undefined,
      tlsSocket: tls,
      receivedAt: now,
      headReceivedAt: now,
      modified: false,
      txn: new Txn(this.session),
      srcPort: this.remotePort,
      dstAddr: this.localAddress(),
      firstRequest,
    };
    this.req = req;
    fe.counters.total++;
    const hasBody = head.chunked || head.contentLength > 0;
    const pristine = stickIsShared() ? head.headers.slice() : null;
    const upgradedTo = firstRequest ? this.upgradedTo : undefined;
    const decision = pristine ? runStickAttempt(this, () => routeAndStick(router, fe, req, upgradedTo)) : routeAndStick(router, fe, req, upgradedTo);
    if (decision instanceof StickPending) {
      this.awaitStick(decision, head, rest, pristine!);
      return;
    }
    const hints = req.txn?.earlyHints;
    // early-hint rules: one 103 interim response before whatever answer follows.
    if (hints) this.socket.write(`HTTP/1.1 103 Early Hints\r\n${hints.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1');
    if (decision.kind === 'respond') {
      if (decision.termination === 'PR--' && decision.response.status === 403) fe.counters.denied++;
      this.backend = decision.backend;
      if (decision.withBody && hasBody) {
        this.collectBody(decision.withBody, decision, fe.name, now, head, rest);
        return;
      }
      // A body we will not read would be taken for the next request: close instead.
      if (hasBody) this.closeAfter = true;
      this.respondLocally(decision.response, decision.termination, decision.backend?.name ?? fe.name, decision.server, now);
      if (!hasBody && rest.length > 0 && this.phase === Phase.Head) {
        this.stash(rest);
        this.tryHead();
      }
      return;
    }
    const be = decision.backend;
    this.backend = be;
    be.counters.total++;
    this.clientCookie = undefined;
    if (be.cookie) {
      const rc = readRequestCookie(be.cookie, req.headers);
      this.clientCookie = rc.server;
      if (rc.modified) req.modified = true;
    }
    const upgrade = head.upgrade && !hasBody;
    this.phase = hasBody ? Phase.Body : Phase.Waiting;
    // Chunked framing on HTTP/1.0 is trusted for this one request only: both sides close after it.
    const serverClose = closesServerSide(fe, be) || (head.version === '1.0' && head.chunked);
    const exchange = new UpstreamExchange(
      be,
      {
        method: req.method,
        // Always rebuilt from the parsed request: a server never reads the client's own bytes as a head.
        head: buildUpstreamHead(req.method, req.uri, head.version, req.headers, serverClose),
        body: hasBody ? 'raw' : 'none',
        idempotent: isIdempotent(req.method),
        upgrade,
        balance: { srcAddr: req.srcAddr, uri: req.uri, headers: req.headers, src: req },
        persistCookie: this.clientCookie,
        stickServer: decision.stuck,
        noReuse: serverClose || noServerReuse(fe, be),
      },
      this,
    );
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

  /** Shared stick tables (workers): the request waits for the primary's answer, then its rules run again. */
  private awaitStick(p: StickPending, head: RequestHead, rest: Buffer, pristine: [string, string][]): void {
    const req = this.req!;
    stickSuspended(req);
    this.fe!.counters.total--;
    this.phase = Phase.Waiting;
    void p.promise.then(() => {
      if (this.phase !== Phase.Waiting || this.req !== req) {
        abandonStick(this, p);
        return;
      }
      const more = this.buf;
      this.buf = null;
      head.headers = pristine;
      this.firstRequest = req.firstRequest ?? false;
      this.phase = Phase.Head;
      this.handle(head, more ? Buffer.concat([rest, more]) : rest);
      if ((this.phase as Phase) === Phase.Body && this.socket.isPaused()) this.socket.resume();
    });
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
      // Chunked bodies leave re-framed (CRLF, plain sizes, checked trailers), never as the client wrote them.
      const out: Buffer[] = [];
      let end: number;
      try {
        end = this.bodyScanner.scan(chunk, 0, out);
      } catch {
        this.badBody();
        return;
      }
      if (this.bodyScanner.done) {
        complete = true;
        if (end < chunk.length) rest = chunk.subarray(end);
      }
      body = out.length === 1 ? out[0]! : Buffer.concat(out);
    } else {
      if (chunk.length >= this.bodyRemaining) {
        if (chunk.length > this.bodyRemaining) {
          body = chunk.subarray(0, this.bodyRemaining);
          rest = chunk.subarray(this.bodyRemaining);
        }
        this.bodyRemaining = 0;
        complete = true;
      } else this.bodyRemaining -= chunk.length;
    }
    if (this.bodySink) {
      this.sinkBody(body, complete, rest);
      return;
    }
    if (!exchange) {
      // The response already went out (early answer): just discard the body.
      if (complete) this.afterBody(rest);
      return;
    }
    const ok = body.length === 0 ? true : exchange.pushBody(body);
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
    if (started) {
      this.socket.destroy();
      return;
    }
    this.status = 400;
    this.phase = Phase.Closed;
    this.socket.end(parseErrorReply(400, this.fe?.model));
  }

  onRequestDrain(): void {
    if (this.phase === Phase.Body) this.socket.resume();
  }

  // ---- responses ---------------------------------------------------------------------------

  /** Reads a request body the proxy answers itself (the stats admin form), then answers. */
  private collectBody(
    build: (body: Buffer) => LocalResponse,
    d: { backend: { name: string } | undefined; termination: string; server: string },
    feName: string,
    startedAt: number,
    head: RequestHead,
    rest: Buffer,
  ): void {
    this.phase = Phase.Body;
    if (head.chunked) this.bodyScanner = new ChunkedScanner(400);
    else this.bodyRemaining = head.contentLength;
    this.bodySink = {
      parts: [],
      size: 0,
      chunked: head.chunked,
      done: (body) => this.respondLocally(build(body), d.termination, d.backend?.name ?? feName, d.server, startedAt, true),
    };
    if (rest.length > 0) this.onBody(rest);
  }

  private sinkBody(piece: Buffer, complete: boolean, rest: Buffer | null): void {
    const sink = this.bodySink!;
    // Forms are small; past the limit the rest is read and dropped.
    if (sink.size < LOCAL_BODY_LIMIT) {
      sink.parts.push(piece);
      sink.size += piece.length;
    }
    if (!complete) return;
    this.bodySink = null;
    this.bodyScanner = null;
    if (rest && rest.length) this.stash(rest);
    const whole = Buffer.concat(sink.parts);
    sink.done(sink.chunked ? dechunk(whole) : whole);
  }

  private respondLocally(r: LocalResponse, termination: string, backendName: string, serverName: string, startedAt: number, bodyRead = false): void {
    if (r.delayMs) {
      // Tarpit: hold the answer back while the connection stays open.
      // Everything but the delay, so that error pages and errorfiles still apply.
      const { delayMs: _delay, ...held } = r;
      this.phase = Phase.Waiting;
      const timer = setTimeout(() => {
        if (!this.socket.destroyed) this.respondLocally(held, termination, backendName, serverName, startedAt, bodyRead);
      }, r.delayMs);
      this.socket.once('close', () => clearTimeout(timer));
      return;
    }
    r = withProxyErrorFile(r, this.fe?.model, this.backend?.model);
    // http-after-response rules see the final answer, error page included.
    if (this.fe) r = afterResponseOnLocal(this.fe.model, this.backend?.model, this.req, r);
    if (localResponseForcesClose(r)) this.closeAfter = true;
    this.status = r.status;
    let out = serializeLocalResponse(r, this.closeAfter, this.head?.method === 'HEAD');
    if (!this.closeAfter && this.head?.version === '1.0') out = withKeepAliveNotice(out);
    this.bytesOut = out.length;
    this.countStatus(r.status);
    this.logLine(this.head, termination, serverName, backendName, this.req?.uri ?? '', this.head?.version ?? '1.1', startedAt);
    this.socket.write(out);
    this.phase = this.head && (this.head.chunked || this.head.contentLength > 0) && !bodyRead ? Phase.Closed : Phase.Head;
    this.endOfExchange();
  }

  onInterim(raw: Buffer): void {
    this.socket.write(raw);
  }

  onResponseHead(head: ResponseHead): Buffer | null {
    this.responseStarted = true;
    this.status = head.status;
    const ex = this.exchange!;
    if (ex.server) stickStore(this.backend!, this.req!, ex.server, head);
    const state: ResponseState = { status: head.status, reason: head.reason, version: head.version };
    const headers = responseHeaders(head, this.fe!, this.backend!, ex.server, this.req!, this.clientCookie, state);
    if (head.serverClose && head.contentLength < 0 && !head.chunked) this.closeAfter = true;
    if (state.local) {
      // An http-response rule answered instead: the server's body is read and dropped.
      this.dropResponseBody = true;
      this.status = state.local.status;
      const out = serializeLocalResponse(state.local, this.closeAfter, this.head?.method === 'HEAD');
      this.bytesOut += out.length;
      this.socket.write(out);
      return null;
    }
    this.dropResponseBody = false;
    if (state.status !== head.status || state.reason !== head.reason) {
      this.status = state.status;
      head = { ...head, status: state.status, reason: state.reason };
    }
    // An HTTP/1.0 client keeps the connection only when told so.
    const keepAlive10 = !this.closeAfter && this.head?.version === '1.0' && head.status !== 101;
    // Nothing to change: the server's head bytes go out untouched.
    if (headers === null && !this.closeAfter && !keepAlive10) return head.raw;
    const list = headers ?? head.headers.slice();
    if (this.closeAfter || keepAlive10) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]![0].toLowerCase() === 'connection') list.splice(i, 1);
      if (head.status !== 101) list.push(['connection', this.closeAfter ? 'close' : 'keep-alive']);
    }
    return Buffer.from(serializeResponseHead(head.status, head.reason, list), 'latin1');
  }

  onResponseBody(chunk: Buffer): boolean {
    if (this.dropResponseBody) return true;
    cacheResponseBody(this.req, chunk);
    this.bytesOut += chunk.length;
    return this.socket.write(chunk);
  }

  onResponseEnd(): void {
    const ex = this.exchange!;
    if (!this.dropResponseBody) cacheResponseEnd(this.req);
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
    let r = withProxyErrorFile(errorResponse(status), this.fe?.model, this.backend?.model);
    if (this.fe) r = afterResponseOnLocal(this.fe.model, this.backend?.model, this.req, r);
    if (localResponseForcesClose(r)) this.closeAfter = true;
    this.status = status;
    let out = serializeLocalResponse(r, this.closeAfter, false);
    if (!this.closeAfter && this.head?.version === '1.0') out = withKeepAliveNotice(out);
    this.bytesOut = out.length;
    this.countStatus(status, ex);
    this.logLine(this.head, termination, ex.server?.name ?? '<NOSRV>', this.backend!.name, this.req!.uri, this.head!.version, this.req!.receivedAt, ex);
    this.socket.write(out);
    this.phase = Phase.Head;
    this.endOfExchange();
  }

  onAbort(termination: string): void {
    const ex = this.exchange!;
    this.endStick(this.status);
    this.exchange = null;
    this.logLine(this.head, termination, ex.server?.name ?? '<NOSRV>', this.backend!.name, this.req!.uri, this.head!.version, this.req!.receivedAt, ex);
    this.phase = Phase.Closed;
    this.socket.destroy();
  }

  onTunnel(upstream: Socket, rest: Buffer): void {
    this.phase = Phase.Tunnel;
    // A tunnel ends as a whole when the client leaves: half-closes are honoured for HTTP requests only.
    this.socket.allowHalfOpen = false;
    clearTimeout(this.headTimer);
    this.exchange = null;
    const tunnelTimeout = this.backend!.timeouts.tunnel ?? this.fe!.timeouts.tunnel;
    this.socket.setTimeout(
      tunnelTimeout ?? 0,
      tunnelTimeout
        ? () => {
            this.socket.destroy();
            upstream.destroy();
          }
        : undefined!,
    );
    if (rest.length) this.socket.write(rest);
    if (this.buf) {
      upstream.write(this.buf);
      this.buf = null;
    }
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
    this.endStick(status);
    this.transaction().answered(status, ex);
  }

  /** The accounting shared with HTTP/2 streams, brought up to date with this request's state. */
  private transaction(startedAt = this.req?.receivedAt ?? Date.now()): RequestTransaction {
    const tx = (this.tx ??= new RequestTransaction(this.fe!, this.ctx, this.req, startedAt, this.remoteAddress, this.remotePort));
    tx.reset(this.fe!, this.req, startedAt);
    tx.backend = this.backend;
    tx.status = this.status;
    tx.bytesOut = this.bytesOut;
    return tx;
  }

  /** Tracked stick counters count the request and let go (only requests that track anything pay for the byte count). */
  private endStick(status: number): void {
    if (this.req?.txn?.stick) stickEnd(this.req, this.requestBytes(), this.bytesOut, status);
  }

  /** Bytes of this request as HAProxy's stick-table byte counters count them (see requestByteCount). */
  private requestBytes(): number {
    const h = this.head;
    return h ? requestByteCount(h.raw, h.contentLength) : 0;
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
    // The client is gone: once its last request is answered, the connection is over.
    if (this.clientEnded && this.phase === Phase.Head) this.onClientEnd();
  }

  private closed(): void {
    if (this.phase === Phase.Closed && !this.fe) return;
    this.endStick(this.status);
    this.phase = Phase.Closed;
    clearTimeout(this.headTimer);
    this.exchange?.cancel();
    this.exchange = null;
    if (this.fe) {
      this.fe.connections--;
      this.fe = undefined;
    }
  }

  /** Graceful stop: close now if idle between requests, otherwise after the current response. */
  closeIfIdle(): void {
    if (this.phase === Phase.Head && !this.buf) this.socket.end();
  }

  // ---- logging -----------------------------------------------------------------------------

  private logLine(
    head: RequestHead | null,
    termination: string,
    server: string,
    backend: string,
    uri: string,
    version: string,
    startedAt: number,
    ex?: UpstreamExchange,
  ): void {
    if (!this.fe || !frontendLogs(this.fe.model, this.fe.httplog)) return;
    this.transaction(startedAt).log(termination, server, backend, head ? { method: head.method, uri, version } : null, ex);
  }
}
