import { connect } from 'node:net';
import { UpstreamConnection, type ConnectionHome } from './upstream-connection.js';

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

  constructor(private readonly host: string, private readonly port: number, private readonly idleTimeoutMs = 60_000, private readonly maxIdle = 1024) {}

  takeIdle(): UpstreamConnection | undefined {
    for (;;) {
      const c = this.idle.pop();
      if (!c) return undefined;
      if (c.usable) return c;
    }
  }

  /**
   * Opens a connection. Its inactivity timeout is set once for its whole life
   * (`timeout server` while a request is on it, closing it when idle), because
   * re-arming socket timers on every request is measurable at high rates.
   */
  connect(timeoutMs: number | undefined): UpstreamConnection {
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    s.setTimeout(timeoutMs !== undefined && timeoutMs > 0 ? Math.min(timeoutMs, this.idleTimeoutMs) : this.idleTimeoutMs);
    this.open++;
    s.once('close', () => { this.open--; });
    return new UpstreamConnection(s, this);
  }

  /** Takes back a connection whose last exchange ended cleanly. */
  release(c: UpstreamConnection): void {
    c.owner = null;
    if (this.closed || !c.usable || this.idle.length >= this.maxIdle) { c.socket.destroy(); return; }
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
