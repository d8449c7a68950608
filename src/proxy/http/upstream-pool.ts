import { connect, type Socket } from 'node:net';

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

  constructor(readonly socket: Socket, private readonly pool: UpstreamPool) {
    socket.on('connect', () => { this.connected = true; this.owner?.onUpstreamConnect(); });
    socket.on('data', (chunk: Buffer) => {
      // Bytes on an idle connection are a protocol error from the server.
      if (this.owner) this.owner.onUpstreamData(chunk); else socket.destroy();
    });
    socket.on('drain', () => this.owner?.onUpstreamDrain());
    socket.on('timeout', () => { if (this.owner) this.owner.onUpstreamTimeout(); else socket.destroy(); });
    socket.on('error', () => { /* 'close' follows and says what to do */ });
    socket.on('close', () => {
      this.pool.forget(this);
      const owner = this.owner;
      this.owner = null;
      owner?.onUpstreamClose();
    });
  }

  get usable(): boolean { return !this.socket.destroyed && this.socket.readyState === 'open'; }
}

/**
 * Keep-alive connections to one server. Idle connections are reused newest
 * first (the least likely to have been closed by the server); one the
 * server closes while idle simply leaves the pool.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  /** Sockets this pool opened that are not closed yet (tests and stats count them). */
  open = 0;
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly idleTimeoutMs = 60_000, private readonly maxIdle = 1024) {}

  takeIdle(): UpstreamConnection | undefined {
    for (;;) {
      const c = this.idle.pop();
      if (!c) return undefined;
      if (c.usable) { c.socket.setTimeout(0); return c; }
    }
  }

  connect(): UpstreamConnection {
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    this.open++;
    s.once('close', () => { this.open--; });
    return new UpstreamConnection(s, this);
  }

  /** Takes back a connection whose last exchange ended cleanly. */
  release(c: UpstreamConnection): void {
    c.owner = null;
    if (this.closed || !c.usable || this.idle.length >= this.maxIdle) { c.socket.destroy(); return; }
    c.socket.setTimeout(this.idleTimeoutMs);
    if (c.socket.isPaused()) c.socket.resume();
    this.idle.push(c);
  }

  forget(c: UpstreamConnection): void {
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  get idleCount(): number { return this.idle.length; }

  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }
}
