import { connect, type Socket } from 'node:net';
import { H2BridgeSocket, type H2Upstream } from './h2-upstream.js';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { SampleSource } from '../acl/sample-source.js';
import { evalSampleOne, type SampleExpr } from '../sample/sample-expr.js';
import { UpstreamConnection, type ConnectionHome } from './upstream-connection.js';
import { proxyHeaderV1, proxyHeaderV2 } from '../tcp/proxy-protocol.js';

export type { UpstreamOwner } from './upstream-connection.js';
export { UpstreamConnection } from './upstream-connection.js';

/**
 * Keep-alive connections to one server. Idle connections are reused newest
 * first (the least likely to have been closed by the server); one the
 * server closes while idle simply leaves the pool.
 */
export class UpstreamPool implements ConnectionHome {
  private readonly idle: UpstreamConnection[] = [];
  /** Sockets this pool opened that are not closed yet (tests and stats count them). */
  open = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly idleTimeoutMs = 60_000,
    private readonly maxIdle = 1024,
  ) {}

  /** TLS to this server (`server … ssl`); plain TCP when unset. */
  tls: ConnectionOptions | undefined;
  /** `proto h2`: requests go as streams of one HTTP/2 connection. */
  h2: H2Upstream | undefined;
  /** `sni EXPR`: the name sent in the TLS handshake, evaluated per request. */
  sniExpr: SampleExpr | undefined;

  /**
   * `send-proxy` (1) / `send-proxy-v2` (2): each connection starts with a PROXY
   * header naming one client, so it is reused only for that client's requests.
   */
  proxyHeader: 1 | 2 | undefined;

  /** Which client a PROXY-header connection speaks for ('' when connections are shared). */
  private proxyKey(src: SampleSource | undefined): string {
    return this.proxyHeader && src ? `${src.srcAddr}|${src.srcPort ?? 0}|${src.dstAddr ?? ''}|${src.dstPort}` : '';
  }

  /** The SNI a request's connection must carry ('' = none). */
  serverName(src: SampleSource | undefined): string {
    if (!this.tls || !this.sniExpr || !src) return '';
    const v = evalSampleOne(this.sniExpr, src);
    return v === undefined ? '' : String(v);
  }

  /** An idle connection; with SNI, only one opened with the same name. */
  takeIdle(src?: SampleSource): UpstreamConnection | undefined {
    const name = this.sniExpr ? this.serverName(src) : '';
    const client = this.proxyKey(src);
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (!c.usable) {
        this.idle.splice(i, 1);
        continue;
      }
      if (c.serverName !== name || c.proxyKey !== client) continue;
      this.idle.splice(i, 1);
      return c;
    }
    return undefined;
  }

  /**
   * Opens a connection. Its inactivity timeout is set once for its whole life
   * (`timeout server` while a request is on it, closing it when idle), because
   * re-arming socket timers on every request is measurable at high rates.
   */
  connect(timeoutMs: number | undefined, src?: SampleSource): UpstreamConnection {
    const name = this.serverName(src);
    const client = this.proxyKey(src);
    let s: Socket;
    let plain: UpstreamConnection | undefined;
    if (this.h2) s = new H2BridgeSocket(this.h2) as unknown as Socket;
    else {
      // Plain TCP reads go straight to the connection, without the stream's per-read 'data' machinery:
      // the socket reads into one buffer shared by every connection, and each read is copied out at once.
      const raw = this.tls
        ? connect({ host: this.host, port: this.port, noDelay: true })
        : connect({
            host: this.host,
            port: this.port,
            noDelay: true,
            onread: {
              buffer: READ_BUFFER,
              callback: (n: number, buf: Uint8Array) => {
                plain?.received(Buffer.from(buf.subarray(0, n)));
                return true;
              },
            },
          });
      // The PROXY header goes first on the TCP connection, before any TLS.
      if (client && src) raw.write(proxyHeaderFor(this.proxyHeader!, src));
      s = this.tls ? tlsConnect({ ...this.tls, socket: raw, host: this.host, ...(name ? { servername: name } : {}) }).setNoDelay(true) : raw;
      if (s !== raw) raw.once('error', (e) => s.destroy(e));
    }
    s.setTimeout(timeoutMs !== undefined && timeoutMs > 0 ? Math.min(timeoutMs, this.idleTimeoutMs) : this.idleTimeoutMs);
    this.open++;
    s.once('close', () => {
      this.open--;
    });
    const c = new UpstreamConnection(s, this, this.tls !== undefined && !this.h2);
    if (!this.tls && !this.h2) plain = c;
    c.serverName = name;
    c.proxyKey = client;
    return c;
  }

  /** Takes back a connection whose last exchange ended cleanly. */
  release(c: UpstreamConnection): void {
    c.owner = null;
    if (this.closed || !c.usable || this.idle.length >= this.maxIdle) {
      c.socket.destroy();
      return;
    }
    if (c.socket.isPaused()) c.socket.resume();
    this.idle.push(c);
  }

  forget(c: UpstreamConnection): void {
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  close(): void {
    this.closed = true;
    this.h2?.close();
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }
}

/** Where plain upstream sockets read; what a read brings is copied out before the next read can overwrite it. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function proxyHeaderFor(version: 1 | 2, src: SampleSource): Buffer {
  const a = { srcAddr: src.srcAddr, srcPort: src.srcPort ?? 0, dstAddr: src.dstAddr ?? '', dstPort: src.dstPort };
  return version === 2 ? proxyHeaderV2(a) : proxyHeaderV1(a);
}
