import type { Socket } from 'node:net';
import type { UpstreamConnection, UpstreamOwner } from './upstream-pool.js';
import type { Backend } from '../runtime/backend.js';
import type { Server } from '../runtime/server.js';
import { trackSession, untrackSession } from '../runtime/server-sessions.js';
import { observeFailure, observeResponse } from '../health/observe.js';
import type { BalanceContext } from '../balance/balanced-server.js';
import { findHeadEnd, parseResponseHead } from './head-parser.js';
import { ChunkedScanner } from './chunked-scanner.js';
import type { ResponseHead } from './http-head.js';

/** Where an exchange delivers the response; implemented by the HTTP/1 and HTTP/2 client sides. */
export interface ExchangeSink {
  onInterim(raw: Buffer): void;
  /** Returns the head bytes to send (written together with the first body bytes), or null when the sink wrote it itself. */
  onResponseHead(head: ResponseHead): Buffer | null;
  /** false = the client is slow; the exchange pauses the server until resumeResponse(). */
  onResponseBody(chunk: Buffer): boolean;
  onResponseEnd(): void;
  /** Nothing was sent to the client yet: it gets this status. */
  onFailure(status: 502 | 503 | 504, termination: string): void;
  /** The response had started; the client connection must be cut. */
  onAbort(termination: string): void;
  onTunnel(upstream: Socket, rest: Buffer): void;
  onRequestDrain(): void;
}

export interface ExchangeRequest {
  method: string;
  /** Full request head, blank line included (text to encode, or bytes to send as they are). */
  head: string | Buffer;
  /** How the request body arrives through pushBody: as-is bytes, or raw data to chunk-encode (HTTP/2 clients). */
  body: 'none' | 'raw' | 'encode-chunked';
  idempotent: boolean;
  upgrade: boolean;
  balance: BalanceContext;
  /** Value of the backend's persistence cookie sent by the client, if any. */
  persistCookie: string | undefined;
  /** The server a `stick match|on` rule found for this request. */
  stickServer?: Server | undefined;
  /** The server connection ends with this exchange (server-close, httpclose, http-reuse never). */
  noReuse?: boolean;
}

const MAX_REPLAY = 64 * 1024;
/** Retries other than connection failures need the whole request in one buffer (HAProxy's default tune.bufsize). */
const MAX_L7_REPLAY = 16 * 1024;
/** Turn-around before a connection retry on the same server: min(timeout connect, 1 s). */
const MAX_TURNAROUND_MS = 1000;
const MAX_RESPONSE_HEAD = 16 * 1024;
const enum Resp {
  Head,
  Body,
  Done,
}

/**
 * One request forwarded to one backend: picks a server, takes a pooled
 * keep-alive socket or connects, writes the head as one buffer, streams the
 * body as received and streams the response back without re-framing.
 * Connection failures are retried (and redispatched) as HAProxy's `retries`
 * and `option redispatch` say. A request that reached a server is sent again
 * only when `retry-on` names what went wrong (empty or junk response, response
 * timeout, a status) and the whole request is still in memory; the one
 * exception is a pooled keep-alive connection the server closed without
 * answering, where a request safe to repeat is replayed on the same server.
 */
export class UpstreamExchange implements UpstreamOwner {
  server: Server | null = null;
  /** The chosen server matched the client's persistence cookie. */
  persisted = false;
  retries = 0;
  readonly startedAt = Date.now();
  queuedMs = -1;
  connectMs = -1;
  responseMs = -1;
  bytesIn = 0;

  private conn: UpstreamConnection | null = null;
  private connected = false;
  private reused = false;
  private requestDone: boolean;
  /** A copy of the request body for replays; NONE until a first piece arrives (most requests have none). */
  private replay: Buffer[] | null = NONE;
  private replayBytes = 0;
  private pending: Buffer[] = NONE;
  private pendingBytes = 0;
  private resp = Resp.Head;
  private respBuf: Buffer | null = null;
  private remaining = 0;
  private scanner: ChunkedScanner | null = null;
  private untilClose = false;
  private reusable = true;
  private sentAt = 0;
  private finished = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private queueTimer: NodeJS.Timeout | undefined;
  private responseHead: ResponseHead | null = null;
  private sentAnything = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryOn: ReadonlySet<string>;
  private headBytes: number;

  constructor(
    private readonly backend: Backend,
    private readonly req: ExchangeRequest,
    private readonly sink: ExchangeSink,
  ) {
    this.requestDone = req.body === 'none';
    this.retryOn = retryOnOf(backend);
    this.headBytes = typeof req.head === 'string' ? req.head.length : req.head.length;
  }

  get head(): ResponseHead | null {
    return this.responseHead;
  }

  start(): void {
    this.backend.active++;
    this.choose(undefined);
  }

  // ---- server choice, queueing, retries ------------------------------------------------

  private pick(avoid: Server | undefined): Server | null {
    const cookie = this.req.persistCookie;
    if (cookie !== undefined && this.backend.cookie) {
      const s = this.backend.serverByCookie(cookie);
      if (s && s !== avoid && s.persistable()) {
        this.persisted = true;
        return s;
      }
    }
    this.persisted = false;
    const stuck = this.req.stickServer;
    if (stuck && stuck !== avoid && stuck.persistable()) return stuck;
    return this.backend.balancer.pick(this.req.balance, avoid) as Server | null;
  }

  private choose(avoid: Server | undefined): void {
    const s = this.pick(avoid);
    if (s) {
      this.attach(s);
      return;
    }
    if (!this.backend.anyUsable()) {
      this.fail(503, 'SC--');
      return;
    }
    // Every usable server is at its maxconn: wait in the backend queue.
    const t = this.backend.timeouts;
    const limit = t.queue ?? t.connect ?? 0;
    const queuedAt = Date.now();
    const entry = {
      wake: () => {
        this.queuedMs = Date.now() - queuedAt;
        if (!this.finished) this.choose(avoid);
      },
      timer: setTimeout(
        () => {
          const i = this.backend.queue.indexOf(entry);
          if (i >= 0) this.backend.queue.splice(i, 1);
          this.fail(503, 'sQ--');
        },
        limit > 0 ? limit : 2 ** 31 - 1,
      ),
    };
    this.queueTimer = entry.timer;
    this.backend.queue.push(entry);
  }

  private attach(server: Server): void {
    this.server = server;
    trackSession(server, this);
    server.begin();
    let conn = this.req.noReuse ? undefined : server.pool.takeIdle(this.req.balance.src);
    this.reused = conn !== undefined;
    this.connectStarted = Date.now();
    if (!conn) {
      conn = server.pool.connect(this.backend.timeouts.server, this.req.balance.src);
      const limit = this.backend.timeouts.connect;
      const c = conn;
      if (limit !== undefined) this.connectTimer = setTimeout(() => this.connectFailed(c, 'sC--'), limit);
    }
    this.conn = conn;
    conn.owner = this;
    if (this.reused) {
      this.connected = true;
      this.connectMs = 0;
      this.send();
    }
  }

  private connectStarted = 0;

  onUpstreamConnect(): void {
    clearTimeout(this.connectTimer);
    this.connected = true;
    this.connectMs = Date.now() - this.connectStarted;
    this.send();
  }

  /** Lets go of the connection: destroyed, or left for the caller to pool. */
  private detach(destroy: boolean): UpstreamConnection | null {
    clearTimeout(this.connectTimer);
    const conn = this.conn;
    if (conn) {
      conn.owner = null;
      if (destroy) conn.socket.destroy();
    }
    this.conn = null;
    this.connected = false;
    if (this.server) {
      untrackSession(this.server, this);
      this.server.end();
      this.backend.slotFreed();
    }
    return conn;
  }

  private connectFailed(conn: UpstreamConnection, termination: string): void {
    if (this.conn !== conn || this.finished) return;
    const failed = this.server!;
    observeFailure(failed, 'connect');
    failed.counters.failedConnects++;
    this.backend.counters.failedConnects++;
    this.detach(true);
    this.retry(failed, termination);
  }

  private retry(failed: Server, termination: string): void {
    if (!this.retryOn.has('conn-failure') || this.retries >= this.backend.retries) {
      this.fail(503, termination);
      return;
    }
    this.retries++;
    failed.counters.retries++;
    this.backend.counters.retries++;
    const r = this.backend.redispatch;
    const redispatch = r !== undefined && (r > 0 ? this.retries % r === 0 : this.retries === this.backend.retries + 1 + r);
    this.resetForReplay();
    if (redispatch) {
      this.backend.counters.redispatches++;
      failed.counters.redispatches++;
      this.choose(failed);
    } else if (failed.usable()) {
      // A server that is restarting is not hammered: wait before trying it again.
      const pause = Math.min(this.backend.timeouts.connect ?? MAX_TURNAROUND_MS, MAX_TURNAROUND_MS);
      this.retryTimer = setTimeout(() => {
        if (!this.finished) {
          if (failed.usable()) this.attach(failed);
          else this.choose(failed);
        }
      }, pause);
    } else this.choose(failed);
  }

  /**
   * A retry for a reason `retry-on` names, after the request reached the
   * server: allowed only while the whole request is in memory. Returns false
   * when the caller must report the failure instead.
   */
  private retryAfterSend(kind: string): boolean {
    if (!this.retryOn.has(kind) || this.retries >= this.backend.retries || this.finished) return false;
    if (this.replay === null || this.req.upgrade || this.headBytes + this.replayBytes > MAX_L7_REPLAY) return false;
    if (!this.requestDone && this.req.body !== 'none') return false;
    const failed = this.server!;
    this.retries++;
    failed.counters.retries++;
    this.backend.counters.retries++;
    this.detach(true);
    this.resetForReplay();
    this.responseHead = null;
    this.scanner = null;
    this.untilClose = false;
    this.reusable = true;
    if (this.backend.redispatch !== undefined) {
      this.backend.counters.redispatches++;
      failed.counters.redispatches++;
      this.choose(failed);
    } else if (failed.usable()) this.attach(failed);
    else this.choose(failed);
    return true;
  }

  private resetForReplay(): void {
    // After a failed connect nothing left: the pending bytes are still whole.
    // After a send, only a complete in-memory copy can be replayed.
    if (this.sentAnything) {
      this.pending = this.replay && this.replay.length > 0 ? [...this.replay] : NONE;
      this.pendingBytes = this.replayBytes;
    }
    this.resp = Resp.Head;
    this.respBuf = null;
    this.sentAnything = false;
  }

  /** A pooled connection the server had closed: the request is repeated as if it had never left. */
  private canReplayOnPooled(): boolean {
    return this.req.idempotent && this.replay !== null && !this.req.upgrade;
  }

  // ---- request side ----------------------------------------------------------------------

  private send(): void {
    const sock = this.conn!.socket;
    const head = this.req.head;
    const hadBacklog = this.pendingBytes >= MAX_REPLAY;
    let flushed: boolean;
    // One write for head and any body already received: one syscall for small requests.
    // A head alone is written as text: the socket encodes it without a Buffer of our own.
    if (this.pending.length === 0) flushed = typeof head === 'string' ? sock.write(head, 'latin1') : sock.write(head);
    else flushed = sock.write(Buffer.concat([typeof head === 'string' ? Buffer.from(head, 'latin1') : head, ...this.pending]));
    this.pending = NONE;
    this.pendingBytes = 0;
    this.sentAnything = true;
    this.sentAt = Date.now();
    // The client was paused while we connected; if the socket took everything
    // at once no 'drain' will come, so let the client send again now.
    if (flushed && hadBacklog) this.sink.onRequestDrain();
  }

  /** Queues or writes a piece of request body; false = stop reading the client for now. */
  pushBody(chunk: Buffer): boolean {
    if (this.finished) return true;
    let data = chunk;
    if (this.req.body === 'encode-chunked') {
      if (chunk.length === 0) return true;
      data = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF]);
    }
    this.remember(data);
    if (!this.connected || !this.conn) {
      if (this.pending === NONE) this.pending = [];
      this.pending.push(data);
      this.pendingBytes += data.length;
      return this.pendingBytes < MAX_REPLAY;
    }
    return this.conn.socket.write(data);
  }

  endBody(): void {
    if (this.req.body === 'encode-chunked' && !this.requestDone) {
      this.requestDone = true;
      this.remember(LAST_CHUNK);
      if (this.connected && this.conn) this.conn.socket.write(LAST_CHUNK);
      else {
        if (this.pending === NONE) this.pending = [];
        this.pending.push(LAST_CHUNK);
      }
      return;
    }
    this.requestDone = true;
    if (this.resp === Resp.Done) return;
  }

  private remember(data: Buffer): void {
    if (!this.replay) return;
    this.replayBytes += data.length;
    if (this.replayBytes > MAX_REPLAY) {
      this.replay = null;
      return;
    }
    if (this.replay === NONE) this.replay = [];
    this.replay.push(data);
  }

  // ---- response side ---------------------------------------------------------------------

  onUpstreamData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.resp === Resp.Head) this.onHeadData(chunk);
    else if (this.resp === Resp.Body) this.forwardBody(chunk);
  }

  private onHeadData(chunk: Buffer): void {
    const buf = this.respBuf ? Buffer.concat([this.respBuf, chunk]) : chunk;
    const end = findHeadEnd(buf, 0);
    if (end < 0) {
      if (buf.length > MAX_RESPONSE_HEAD) {
        if (!this.retryAfterSend('junk-response')) this.badResponse();
        return;
      }
      this.respBuf = buf;
      return;
    }
    this.respBuf = null;
    let head: ResponseHead;
    try {
      head = parseResponseHead(buf.subarray(0, end), this.req.method);
    } catch {
      if (this.retryAfterSend('junk-response')) return;
      this.badResponse();
      return;
    }
    const rest = buf.subarray(end);
    if (head.status < 200 && head.status !== 101) {
      this.sink.onInterim(buf.subarray(0, end));
      if (rest.length) this.onHeadData(rest);
      return;
    }
    if (this.retryOn.has(String(head.status)) && this.retryAfterSend(String(head.status))) return;
    this.responseMs = Date.now() - this.sentAt;
    this.responseHead = head;
    if (this.server) observeResponse(this.server, head.status);
    if (head.status === 101) {
      if (!this.req.upgrade) {
        this.badResponse();
        return;
      }
      const conn = this.conn!;
      const sock = conn.socket;
      this.finished = true;
      this.resp = Resp.Done;
      clearTimeout(this.connectTimer);
      conn.owner = null;
      conn.tunnelled = true;
      // The socket leaves the pool's care: it becomes one end of a tunnel.
      for (const ev of ['data', 'drain', 'timeout']) sock.removeAllListeners(ev);
      sock.setTimeout(0);
      const headBytes = this.sink.onResponseHead(head);
      if (headBytes) this.sink.onResponseBody(headBytes);
      this.sink.onTunnel(sock, rest);
      // The server slot stays taken until the tunnel closes.
      sock.once('close', () => {
        if (this.server) untrackSession(this.server, this);
        this.server?.end();
        this.backend.active--;
        this.backend.slotFreed();
      });
      return;
    }
    this.resp = Resp.Body;
    if (head.chunked) this.scanner = new ChunkedScanner(502);
    else if (head.contentLength >= 0) this.remaining = head.contentLength;
    else {
      this.untilClose = true;
      this.reusable = false;
    }
    if (head.serverClose) this.reusable = false;
    const headBytes = this.sink.onResponseHead(head);
    const bodyDone = !head.chunked && this.remaining === 0 && !this.untilClose;
    if (bodyDone) {
      if (rest.length) this.reusable = false;
      if (headBytes) this.sink.onResponseBody(headBytes);
      this.finish();
    } else if (headBytes) this.forwardBody(rest, headBytes, buf, end);
    else if (rest.length) this.forwardBody(rest);
  }

  /**
   * Forwards body bytes. With `headBytes`, the head goes out in the same
   * write: when the head is the server's own bytes and the body follows it in
   * the same chunk, the chunk is written as it came.
   */
  private forwardBody(buf: Buffer, headBytes?: Buffer, whole?: Buffer, headEnd?: number): void {
    let out = buf;
    let complete = false;
    if (this.scanner) {
      let end: number;
      try {
        end = this.scanner.scan(buf, 0);
      } catch {
        this.abort('SD--');
        return;
      }
      if (this.scanner.done) {
        complete = true;
        if (end < buf.length) {
          this.reusable = false;
          out = buf.subarray(0, end);
        }
      }
    } else if (!this.untilClose) {
      if (buf.length >= this.remaining) {
        if (buf.length > this.remaining) {
          this.reusable = false;
          out = buf.subarray(0, this.remaining);
        }
        this.remaining = 0;
        complete = true;
      } else this.remaining -= buf.length;
    }
    if (headBytes) {
      if (out.length === 0) out = headBytes;
      else if (whole && headBytes === this.responseHead?.raw && headEnd !== undefined) out = whole.subarray(0, headEnd + out.length);
      else out = Buffer.concat([headBytes, out]);
    }
    const ok = out.length === 0 ? true : this.sink.onResponseBody(out);
    if (complete) this.finish();
    else if (!ok) this.conn?.socket.pause();
  }

  /** The client drained: read from the server again. */
  resumeResponse(): void {
    if (this.conn && this.resp === Resp.Body) this.conn.socket.resume();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resp = Resp.Done;
    const server = this.server;
    const reuse = this.reusable && this.requestDone && this.conn !== null && !this.req.noReuse;
    const conn = this.detach(false);
    this.backend.active--;
    if (conn) {
      if (reuse) server!.pool.release(conn);
      else conn.socket.destroy();
    }
    this.sink.onResponseEnd();
  }

  private badResponse(): void {
    if (this.server) observeFailure(this.server, 'response');
    this.server!.counters.failedResponses++;
    this.backend.counters.failedResponses++;
    this.fail(502, 'SH--');
  }

  onUpstreamDrain(): void {
    this.sink.onRequestDrain();
  }

  onUpstreamTimeout(): void {
    if (this.finished) return;
    if (this.resp === Resp.Head) {
      observeFailure(this.server!, 'response');
      if (this.retryAfterSend('response-timeout')) return;
      this.server!.counters.failedResponses++;
      this.fail(504, 'sH--');
    } else this.abort('sD--');
  }

  onUpstreamClose(): void {
    const conn = this.conn;
    if (this.finished || !conn) return;
    if (!this.connected) {
      this.connectFailed(conn, 'SC--');
      return;
    }
    if (this.resp === Resp.Head && this.respBuf === null) {
      // The server closed before answering. On a pooled keep-alive socket the
      // server had given up on the connection, most likely before our bytes
      // arrived: a request safe to repeat goes again, to the same server
      // only. On a fresh connection the server may have acted on the request:
      // it goes again only when retry-on says empty-response.
      if (this.reused && this.canReplayOnPooled()) {
        const failed = this.server!;
        this.detach(true);
        this.resetForReplay();
        this.attach(failed);
        return;
      }
      if (this.retryAfterSend('empty-response')) return;
      this.badResponse();
      return;
    }
    if (this.resp === Resp.Head) {
      if (!this.retryAfterSend('junk-response')) this.badResponse();
      return;
    }
    if (this.untilClose) {
      this.finish();
      return;
    }
    this.abort('SD--');
  }

  private fail(status: 502 | 503 | 504, termination: string): void {
    if (this.finished) return;
    this.finished = true;
    this.resp = Resp.Done;
    clearTimeout(this.queueTimer);
    clearTimeout(this.retryTimer);
    if (this.conn) this.detach(true);
    this.backend.active--;
    this.sink.onFailure(status, termination);
  }

  private abort(termination: string): void {
    if (this.finished) return;
    this.finished = true;
    this.resp = Resp.Done;
    if (this.conn) this.detach(true);
    this.backend.active--;
    this.sink.onAbort(termination);
  }

  /** The server was marked down with `on-marked-down shutdown-sessions`: the request is cut. */
  shutdown(): void {
    this.abort('SK--');
  }

  /** The client went away: release everything without telling the sink. */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    this.resp = Resp.Done;
    clearTimeout(this.queueTimer);
    clearTimeout(this.retryTimer);
    const i = this.backend.queue.findIndex((q) => q.timer === this.queueTimer);
    if (i >= 0) this.backend.queue.splice(i, 1);
    if (this.conn) this.detach(true);
    this.backend.active--;
  }

  get wasSent(): boolean {
    return this.sentAnything;
  }
}

const DEFAULT_RETRY_ON: ReadonlySet<string> = new Set(['conn-failure']);
const retryOnCache = new WeakMap<Backend, ReadonlySet<string>>();

function retryOnOf(backend: Backend): ReadonlySet<string> {
  let set = retryOnCache.get(backend);
  if (!set) {
    const list = backend.model.settings.retryOn;
    set = list === undefined ? DEFAULT_RETRY_ON : new Set(list);
    retryOnCache.set(backend, set);
  }
  return set;
}

const CRLF = Buffer.from('\r\n');
/** The shared empty list a new exchange starts with, replaced by its own list on the first push (never pushed to). */
const NONE: Buffer[] = [];
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
