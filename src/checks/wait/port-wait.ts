import { connect } from 'node:net';
import { waitUntil, type WaitOptions } from './wait-strategy.js';

/** Waits until something accepts TCP connections on host:port. */
export function waitForPort(host: string, port: number, hint: string, options: WaitOptions = {}): Promise<void> {
  return waitUntil(
    {
      expected: `a listener on ${host}:${port}`,
      hint,
      attempt: () =>
        new Promise((resolve) => {
          const socket = connect({ host, port });
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
        }),
    },
    options,
  );
}
