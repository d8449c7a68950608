import { Duplex } from 'node:stream';
import { connect as h2connect, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { findHeadEnd, parseRequestHead } from './head-parser.js';
import { REASONS } from './local-response.js';

/** Request headers HTTP/2 does not carry (connection-specific). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/**
 * One HTTP/2 connection to a server (`proto h2`, or h2 chosen by ALPN),
 * shared by the requests of its pool: each request is one stream.
 */
export class H2Upstream {
  private session: ClientHttp2Session | null = null;
  /** Sessions whose server has sent its SETTINGS. */
  readonly ready = new WeakSet<ClientHttp2Session>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly tls: ConnectionOptions | undefined,
  ) {}

  /** The live session, opened on first use and again after it closed. */
  get(): ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const authority = `${this.tls ? 'https' : 'http'}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    // Over TLS, ALPN offers only what the server line says (`alpn`); without it HTTP/2 is spoken
    // without negotiation, as HAProxy does.
    const tls = this.tls;
    const session = tls ? h2connect(authority, { createConnection: () => tlsConnect({ ...tls, host: this.host, port: this.port }) }) : h2connect(authority);
    session.on('error', () => {
      /* each stream reports its own failure */
    });
    // Every pooled socket of this server listens to the one session.
    session.setMaxListeners(0);
    // The connection counts as established once the server's SETTINGS arrive: a server that does
    // not speak HTTP/2 then fails as a connection failure (retried, 503), not as a bad answer.
    session.once('remoteSettings', () => {
      this.ready.add(session);
    });
    session.on('close', () => {
      if (this.session === session) this.session = null;
    });
    this.session = session;
    return session;
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}

/**
 * Looks like a keep-alive socket to the HTTP/1.1 exchange: it takes the
 * request bytes the exchange writes, sends each request as an HTTP/2 stream,
 * and hands back the answer as HTTP/1.1 bytes (chunked when the server gave
 * no length), so retries, timeouts and streaming work unchanged.
 */
export class H2BridgeSocket extends Duplex {
  readyState: 'opening' | 'open' | 'closed' = 'opening';
  private head: Buffer | null = null;
  private stream: ClientHttp2Stream | null = null;
  /** The current request's body is still being sent. */
  private sending = false;
  /** Request body still to come: bytes (length), or chunked framing. */
  private bodyLeft = 0;
  private chunked: ChunkDecoder | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs = 0;

  constructor(private readonly upstream: H2Upstream) {
    super({ allowHalfOpen: false });
    const session = upstream.get();
    const ready = () => {
      if (this.readyState !== 'opening') return;
      this.readyState = 'open';
      this.emit('connect');
    };
    const onSettings = () => setImmediate(ready);
    const onClose = () => this.destroy();
    const onError = (e: Error) => this.destroy(e);
    if (upstream.ready.has(session)) setImmediate(ready);
    else session.once('remoteSettings', onSettings);
    session.once('close', onClose);
    session.once('error', onError);
    // Many pooled sockets share one session: each takes its listeners away when it goes.
    this.detachSession = () => {
      session.removeListener('remoteSettings', onSettings);
      session.removeListener('close', onClose);
      session.removeListener('error', onError);
    };
  }

  private readonly detachSession: () => void;

  setTimeout(ms: number): this {
    this.idleMs = ms;
    this.touch();
    return this;
  }
  setNoDelay(): this {
    return this;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs > 0) this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
  }

  override _read(): void {
    /* data is pushed as the server sends it */
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.touch();
    try {
      this.feed(chunk);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private feed(chunk: Buffer): void {
    let data = chunk;
    // A new request starts once the previous one is fully sent, even if its stream has not ended yet
    // (the exchange may hand the socket on as soon as the answer is complete).
    if (!this.sending) {
      const buf = this.head ? Buffer.concat([this.head, data]) : data;
      const end = findHeadEnd(buf, 0);
      if (end < 0) {
        this.head = buf;
        return;
      }
      this.head = null;
      this.open(buf.subarray(0, end));
      data = buf.subarray(end);
    }
    if (data.length === 0 || !this.stream || !this.sending) return;
    if (this.chunked) {
      const { body, done } = this.chunked.decode(data);
      if (body.length) this.stream.write(body);
      if (done) {
        this.stream.end();
        this.chunked = null;
        this.sending = false;
      }
    } else if (this.bodyLeft > 0) {
      const body = data.subarray(0, this.bodyLeft);
      this.bodyLeft -= body.length;
      this.stream.write(body);
      if (this.bodyLeft === 0) {
        this.stream.end();
        this.sending = false;
      }
    }
  }

  private open(headBytes: Buffer): void {
    const req = parseRequestHead(headBytes, 1 << 20);
    // As HAProxy does for an origin-form request: scheme https, Host kept as a header (no :authority).
    const h: OutgoingHttpHeaders = { ':method': req.method, ':scheme': 'https', ':path': req.uri };
    for (const [n, v] of req.headers) {
      const k = n.toLowerCase();
      if (HOP.has(k)) continue;
      const prev = h[k];
      h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : k === 'cookie' ? `${String(prev)}; ${v}` : [String(prev), v];
    }
    const hasBody = req.chunked || req.contentLength > 0;
    const stream = this.upstream.get().request(h, { endStream: !hasBody });
    this.stream = stream;
    this.sending = hasBody;
    this.bodyLeft = req.chunked ? 0 : Math.max(0, req.contentLength);
    this.chunked = req.chunked ? new ChunkDecoder() : null;
    const method = req.method;
    let chunkedOut = false;
    // Data can be delivered before the 'response' event: hold it until the head is out.
    let headSent = false;
    const early: Buffer[] = [];
    let endedEarly = false;
    const pushData = (d: Buffer) => {
      this.push(chunkedOut ? Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`), d, CRLF]) : d);
    };
    const pushEnd = () => {
      if (chunkedOut) this.push(LAST_CHUNK);
    };
    stream.on('response', (rh) => {
      this.touch();
      const status = Number(rh[':status']);
      let out = `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\n`;
      let length = false;
      for (const [k, v] of Object.entries(rh)) {
        if (k.startsWith(':')) continue;
        if (k === 'content-length') length = true;
        for (const one of Array.isArray(v) ? v : [v]) out += `${k}: ${String(one)}\r\n`;
      }
      const bodyless = method === 'HEAD' || status === 204 || status === 304;
      if (!length && !bodyless) {
        out += 'transfer-encoding: chunked\r\n';
        chunkedOut = true;
      }
      this.push(Buffer.from(`${out}\r\n`, 'latin1'));
      headSent = true;
      for (const d of early.splice(0)) pushData(d);
      if (endedEarly) pushEnd();
    });
    stream.on('data', (d: Buffer) => {
      this.touch();
      if (headSent) pushData(d);
      else early.push(d);
    });
    stream.on('end', () => {
      if (headSent) pushEnd();
      else endedEarly = true;
      if (this.stream === stream) this.stream = null;
    });
    stream.on('error', () => this.destroy());
    // A reset stream leaves its answer incomplete: the exchange sees the connection close.
    stream.on('close', () => {
      if (stream.rstCode && !stream.readableEnded) this.destroy();
    });
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    this.detachSession();
    this.readyState = 'closed';
    if (this.stream && !this.stream.closed) this.stream.close();
    this.stream = null;
    cb(err);
  }
}

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** Decodes a chunked request body into its data, as it arrives. */
class ChunkDecoder {
  private size = -1;
  private line = '';
  private trailer = false;

  decode(data: Buffer): { body: Buffer; done: boolean } {
    const parts: Buffer[] = [];
    let p = 0;
    while (p < data.length) {
      if (this.size > 0) {
        const n = Math.min(this.size, data.length - p);
        parts.push(data.subarray(p, p + n));
        p += n;
        this.size -= n;
        if (this.size === 0) this.size = -2; // CRLF after the data
        continue;
      }
      const c = data[p++]!;
      if (c !== 10) {
        if (c !== 13) this.line += String.fromCharCode(c);
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.size === -2) {
        this.size = -1;
        continue;
      }
      if (this.trailer) {
        if (line === '') return { body: Buffer.concat(parts), done: true };
        continue;
      }
      const n = parseInt(line.split(';')[0]!, 16);
      if (n === 0) this.trailer = true;
      else this.size = n;
    }
    return { body: Buffer.concat(parts), done: false };
  }
}
