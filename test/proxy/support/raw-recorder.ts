import { createHash } from 'node:crypto';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';

/** One request as a server received it: the exact bytes, the request line, and its arrival rank across all recorders. */
export interface RecordedRequest {
  server: string;
  line: string;
  bytes: string;
  seq: number;
}

let arrivals = 0;

/**
 * A TCP server that records the exact bytes of every request it receives and
 * answers with a small fixed response. It reads framing itself (a head, then
 * Content-Length bytes or a chunked body up to the last chunk and trailers),
 * so that what it records is what a strict CRLF server would take for one
 * request. Path segments steer it: /close drops the connection without answering,
 * /status/NNN answers NNN, /junk answers garbage, /silent never answers,
 * /ws accepts an upgrade and echoes.
 */
export class RawRecorder {
  readonly requests: RecordedRequest[] = [];
  accepted = 0;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  constructor(readonly name: string) {}

  async start(): Promise<this> {
    this.server = createServer((s) => this.onConnection(s));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Requests received since `from`. */
  since(from: number): RecordedRequest[] {
    return this.requests.slice(from);
  }

  private onConnection(s: Socket): void {
    this.accepted++;
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    let tunnel = false;
    s.on('data', (d: Buffer) => {
      if (tunnel) {
        s.write(d);
        return;
      }
      buf += d.toString('latin1');
      for (;;) {
        const end = requestEnd(buf);
        if (end < 0) return;
        const bytes = buf.slice(0, end);
        buf = buf.slice(end);
        const line = bytes.slice(0, bytes.indexOf('\r\n'));
        this.requests.push({ server: this.name, line, bytes, seq: ++arrivals });
        const path = line.split(' ')[1] ?? '/';
        if (path.includes('/close')) {
          s.destroy();
          return;
        }
        if (path.includes('/silent')) return;
        if (path.includes('/junk')) {
          s.end('garbage\r\n\r\n');
          return;
        }
        if (path.includes('/ws') && /\r\nupgrade:/i.test(bytes)) {
          const key = /\r\nsec-websocket-key: *([^\r]*)/i.exec(bytes)?.[1] ?? '';
          const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
          s.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
          s.write(`hello from ${this.name}\n`);
          tunnel = true;
          return;
        }
        const status = /\/status\/(\d{3})/.exec(path)?.[1] ?? '200';
        s.write(`HTTP/1.1 ${status} X\r\ncontent-length: 2\r\nx-srv: ${this.name}\r\n\r\nok`);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Where the first complete request in `buf` ends (CRLF framing only), or -1. */
function requestEnd(buf: string): number {
  const h = buf.indexOf('\r\n\r\n');
  if (h < 0) return -1;
  const head = buf.slice(0, h + 4);
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    let i = h + 4;
    for (;;) {
      const eol = buf.indexOf('\r\n', i);
      if (eol < 0) return -1;
      const size = parseInt(buf.slice(i, eol), 16);
      if (Number.isNaN(size)) return buf.length;
      if (size === 0) {
        const t = buf.indexOf('\r\n\r\n', eol);
        if (buf.slice(eol, eol + 4) === '\r\n\r\n') return eol + 4;
        return t < 0 ? -1 : t + 4;
      }
      i = eol + 2 + size + 2;
      if (i > buf.length) return -1;
    }
  }
  if (cl) {
    const end = h + 4 + Number(cl[1]);
    return end <= buf.length ? end : -1;
  }
  return h + 4;
}

export interface RawReply {
  /** Status codes of the responses, in order. */
  statuses: number[];
  /** Every Connection header value of the responses, lower-cased. */
  connection: string[];
  /** Whether the proxy closed the connection before the quiet period ended. */
  closed: boolean;
  text: string;
}

/**
 * Writes bytes on a fresh connection and reads until the peer closes, or
 * until nothing arrived for `quietMs` after the last byte (or after the write).
 */
export function rawSend(port: number, payload: string | Buffer, quietMs = 350, maxMs = 8000, opts: { halfClose?: boolean } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    let closed = false;
    let quiet: NodeJS.Timeout;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(hard);
      s.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      const connection = [...text.matchAll(/\r\nconnection: *([^\r]*)/gi)].map((m) => m[1]!.toLowerCase());
      resolve({ statuses, connection, closed, text });
    };
    const hard = setTimeout(done, maxMs);
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    };
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      arm();
    });
    s.on('end', () => {
      closed = true;
      done();
    });
    s.on('close', () => {
      closed = true;
      done();
    });
    s.on('error', () => {});
    s.on('connect', () => {
      const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
      // halfClose: the client's FIN follows its bytes; the reply is still read.
      if (opts.halfClose) s.end(bytes);
      else s.write(bytes);
      arm();
    });
  });
}
