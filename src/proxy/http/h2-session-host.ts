import { createServer as createH2Server, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { ListenerContext } from './listener-context.js';
import { handleH2Request } from './h2-request-handler.js';

/**
 * Serves HTTP/2 on sockets a listener already accepted: TLS connections that
 * negotiated `h2` by ALPN, and clear-text connections that opened with the
 * HTTP/2 connection preface. The listener itself stays a plain TCP/TLS
 * server, so that HTTP/1.x on the same bind always goes through the proxy's
 * own HTTP/1 parser (upgrades, strict framing, rebuilt heads).
 */
export class H2SessionHost {
  private readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(private readonly ctx: ListenerContext) {
    this.server = createH2Server();
    this.server.on('request', (req, res) => {
      handleH2Request(ctx, req, res);
      // During a graceful stop each session ends once its streams are done.
      if (ctx.stopping()) res.once('close', () => req.stream.session?.close());
    });
    this.server.on('session', (s: ServerHttp2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
      s.on('error', () => {});
    });
    this.server.on('sessionError', () => {});
  }

  /** Hands over a socket; `preread` is what was read from it already (the preface). */
  accept(socket: Socket, preread?: Buffer): void {
    // node's HTTP/2 server takes a TLS socket without ALPN for HTTP/1; this one already sent the preface.
    const tls = socket as Socket & { alpnProtocol?: string | false };
    if (tls.alpnProtocol === false) tls.alpnProtocol = 'h2';
    if (preread && preread.length > 0) socket.unshift(preread);
    // A connection that opened with the preface was accepted (and is counted) as an HTTP/1 one;
    // one that chose h2 by ALPN comes straight here and counts as the frontend's connection now.
    else this.countConnection(socket);
    this.server.emit('connection', socket);
  }

  private countConnection(socket: Socket): void {
    const name = this.ctx.frontendName;
    const fe = this.ctx.router().frontends.find((f) => f.name === name);
    if (!fe) return;
    fe.connections++;
    socket.once('close', () => {
      fe.connections--;
    });
  }

  /** Graceful stop: no new streams; sessions end when their streams are done. */
  close(): void {
    for (const s of this.sessions) s.close();
  }
}

/** The HTTP/2 connection preface a client sends first (RFC 9113, 3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
