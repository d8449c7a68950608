import { connect, type Socket } from 'node:net';

/**
 * Keep-alive connections to one server. Idle sockets are reused newest first
 * (they are the least likely to have been closed by the server); a socket the
 * server closes while idle simply leaves the pool.
 */
export class UpstreamPool {
  private readonly idle: Socket[] = [];
  /** Every socket this pool opened and has not seen close: lets tests and stats count them. */
  open = 0;
  private closed = false;

  constructor(private readonly host: string, private readonly port: number, private readonly idleTimeoutMs = 60_000, private readonly maxIdle = 256) {}

  /** An idle socket, or undefined; the caller opens a new one with connect(). */
  takeIdle(): Socket | undefined {
    for (;;) {
      const s = this.idle.pop();
      if (!s) return undefined;
      if (!s.destroyed && s.readyState === 'open') {
        s.removeListener('data', onIdleData);
        s.removeListener('error', noop);
        s.removeListener('close', this.onIdleClose);
        s.setTimeout(0);
        return s;
      }
    }
  }

  connect(): Socket {
    const s = connect({ host: this.host, port: this.port, noDelay: true });
    this.open++;
    s.once('close', () => { this.open--; });
    return s;
  }

  /** Returns a socket whose last exchange ended cleanly. */
  release(s: Socket): void {
    if (this.closed || s.destroyed || this.idle.length >= this.maxIdle) { s.destroy(); return; }
    s.removeAllListeners('data');
    s.removeAllListeners('end');
    s.removeAllListeners('error');
    s.removeAllListeners('timeout');
    s.removeAllListeners('drain');
    s.on('error', noop);
    // Data on an idle connection is a protocol error from the server.
    s.on('data', onIdleData);
    s.once('close', this.onIdleClose);
    s.setTimeout(this.idleTimeoutMs, () => s.destroy());
    if (s.isPaused()) s.resume();
    this.idle.push(s);
  }

  private readonly onIdleClose = function (this: Socket) { /* the pool skips destroyed sockets when taking */ };

  get idleCount(): number { return this.idle.length; }

  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.destroy();
  }
}

function noop(): void {}
function onIdleData(this: Socket): void { this.destroy(); }
