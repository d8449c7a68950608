import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/**
 * Whether the reference HAProxy can run. Outside CI a missing binary skips
 * the differential suite with one message; in CI it is a failure.
 */
export function haproxyAvailability(): { available: boolean; message?: string } {
  if (existsSync(HAPROXY)) return { available: true };
  if (process.env.CI === 'true')
    throw new Error(`HAProxy not found at ${HAPROXY}: the differential suite must run in CI; install the haproxy package or set HAPROXY_BIN`);
  const message = `HAProxy not found at ${HAPROXY}: differential tests skipped (install the haproxy package, or set HAPROXY_BIN)`;
  return { available: false, message };
}

export interface HaproxyProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs HAProxy in the foreground on a config file and waits for its port. */
export async function startHaproxy(cfgFile: string, port: number): Promise<HaproxyProcess> {
  const child = spawn(HAPROXY, ['-db', '-f', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`haproxy exited: ${out}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
