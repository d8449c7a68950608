import type { Socket } from 'node:net';

/** The pool a connection returns to; it forgets connections that close. */
export interface ConnectionHome {
  forget(c: UpstreamConnection): void;
}

/** Whoever currently uses an upstream connection (one exchange at a time). */
export interface UpstreamOwner {
  onUpstreamConnect(): void;
  onUpstreamData(chunk: Buffer): void;
  onUpstreamDrain(): void;
  onUpstreamTimeout(): void;
  onUpstreamClose(): void;
}

/**
 * One keep-alive TCP connection to a server. Its socket listeners are set
 * once and forward to the current owner, so that handing the connection
 * from one request to the next costs no listener churn.
 */
export class UpstreamConnection {
  owner: UpstreamOwner | null = null;
  connected = false;

  /** The socket became one end of a tunnel (101 Switching Protocols): its bytes flow as stream data. */
  tunnelled = false;

  /** The SNI this connection was opened with ('' = none): a request needing another name opens its own. */
  serverName = '';

  /** The client a PROXY-header connection was opened for ('' = shared by every client). */
  proxyKey = '';

  constructor(
    readonly socket: Socket,
    private readonly pool: ConnectionHome,
    tls = false,
  ) {
    // Over TLS the connection is ready once the handshake (and certificate check) is done.
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.owner?.onUpstreamConnect();
    });
    socket.on('data', this.received);
    socket.on('drain', () => this.owner?.onUpstreamDrain());
    socket.on('timeout', () => {
      if (this.owner) this.owner.onUpstreamTimeout();
      else socket.destroy();
    });
    socket.on('error', () => {
      /* 'close' follows and says what to do */
    });
    socket.on('close', () => {
      this.pool.forget(this);
      const owner = this.owner;
      this.owner = null;
      owner?.onUpstreamClose();
    });
  }

  /** Bytes from the server (from 'data' events, or straight from the pool's reads of plain sockets). */
  readonly received = (chunk: Buffer): void => {
    // A tunnel reads the socket as a stream (piped to the client): direct reads are handed to it.
    if (this.tunnelled) {
      this.socket.push(chunk);
      return;
    }
    // Bytes on an idle connection are a protocol error from the server.
    if (this.owner) this.owner.onUpstreamData(chunk);
    else this.socket.destroy();
  };

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.readyState === 'open';
  }
}
