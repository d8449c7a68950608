import { connect } from 'node:net';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy } from './wait-strategy.js';

/** Waits until something accepts TCP connections on host:port. */
export class PortWaitStrategy extends WaitStrategy<void> {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }

  describe(): string {
    return `a listener on ${this.host}:${this.port}`;
  }

  protected attempt(): Attempt<void> {
    return () =>
      new Promise((resolve) => {
        const socket = connect({ host: this.host, port: this.port });
        socket.setTimeout(2_000);
        socket.once('connect', () => {
          socket.destroy();
          resolve({ ok: true, value: undefined });
        });
        const refused = (reason: string) => {
          socket.destroy();
          resolve({ ok: false, seen: reason });
        };
        socket.once('error', (e: NodeJS.ErrnoException) => refused(e.code ?? e.message));
        socket.once('timeout', () => refused('connection timed out'));
      });
  }
}
