import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startEchoServer, freePort } from './support/echo-servers.js';
import { waitForPort } from './support/haproxy-process.js';
import { send } from './support/http-client.js';

/**
 * The standalone entry point as a container would run it: compiled
 * JavaScript, signals from outside. SIGHUP reloads, SIGTERM stops gracefully.
 */
const root = join(import.meta.dirname, '..', '..');
const mainJs = join(root, 'node_modules/.cache/docklab-proxy-build/src/proxy/main.js');

const cfg = (port: number, a: number, b: number, backend: string, extra = '') => `global
${extra}defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${port}
  default_backend ${backend}
backend one
  server s1 127.0.0.1:${a}
backend two
  server s2 127.0.0.1:${b}
`;

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}

/** The processes whose command line names the file: the primary and its workers. */
function processesNaming(file: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(file);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('standalone entry point (main.js)', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', join(root, 'bench/proxy/tsconfig.json')], { cwd: root, stdio: 'ignore' });
  }, 120_000);

  for (const mode of ['single', 'workers'] as const) {
    it(`reloads on SIGHUP and stops on SIGTERM (${mode})`, async () => {
      const [s1, s2] = await Promise.all([startEchoServer('s1'), startEchoServer('s2')]);
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'docklab-main-'));
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, cfg(port, s1.port, s2.port, 'one', mode === 'workers' ? '  nbthread 2\n' : ''));
      const child = spawn(process.execPath, [mainJs, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      try {
        await waitForPort(port);
        const who = async () => JSON.parse((await send(port, {})).body).server as string;
        expect(await who()).toBe('s1');

        writeFileSync(file, cfg(port, s1.port, s2.port, 'two', mode === 'workers' ? '  nbthread 2\n' : ''));
        child.kill('SIGHUP');
        await until(async () => (await who()) === 's2');
        for (let i = 0; i < 4; i++) expect(await who()).toBe('s2');

        // A broken file is refused with its line and the proxy keeps serving.
        writeFileSync(file, cfg(port, s1.port, s2.port, 'two') + '  nonsense here\n');
        child.kill('SIGHUP');
        await until(async () => stderr.includes('reload refused'));
        expect(stderr).toMatch(/haproxy\.cfg:\d+: unknown or unsupported keyword 'nonsense'/);
        expect(await who()).toBe('s2');

        // Graceful stop: a request in flight still completes.
        const inflight = send(port, { path: '/slow/300' });
        await until(async () => [s1, s2].some((s) => s.seen.some((r) => r.url === '/slow/300')));
        child.kill('SIGTERM');
        expect((await inflight).status).toBe(200);
        const code = await exited(child);
        if (code !== 0) console.error(stderr);
        expect(code).toBe(0);
      } finally {
        child.kill('SIGKILL');
        await s1.close();
        await s2.close();
      }
    }, 30_000);
  }

  it('regression: SIGTERM in the first moment of a --workers start leaves no worker running', async () => {
    const [s1, s2] = await Promise.all([startEchoServer('s1'), startEchoServer('s2')]);
    const dir = mkdtempSync(join(tmpdir(), 'docklab-main-'));
    const left: string[] = [];
    try {
      // The signal lands at different moments of the start: before the workers exist, while the primary forks them
      // (as soon as the first one shows), while they load the file, as they bind.
      const moments = ['first fork', 'first fork', 'first fork', 0, 30, 60, 100, 150, 200, 250, 300, 350, 400, 500] as const;
      for (const [i, delayMs] of moments.entries()) {
        const file = join(dir, `early-stop-${i}.cfg`);
        writeFileSync(file, cfg(await freePort(), s1.port, s2.port, 'one', '  nbthread 4\n'));
        const child = spawn(process.execPath, [mainJs, '-f', file], { stdio: 'ignore' });
        if (delayMs === 'first fork') {
          const deadline = Date.now() + 10_000;
          while (processesNaming(file).length < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
        } else await new Promise((r) => setTimeout(r, delayMs));
        child.kill('SIGTERM');
        const code = await Promise.race([exited(child), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
        child.kill('SIGKILL');
        const workers = processesNaming(file);
        for (const pid of workers) process.kill(pid, 'SIGKILL');
        if (code === 'still running' || workers.length > 0)
          left.push(`${typeof delayMs === 'number' ? `${delayMs} ms` : delayMs}: primary ${String(code)}, ${workers.length} worker(s) left`);
      }
      expect(left).toEqual([]);
    } finally {
      await s1.close();
      await s2.close();
    }
  }, 120_000);

  it('exits with code 2 on a bad configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-main-'));
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, 'frontend fe\n  bind 127.0.0.1:0\n  mode health\n');
    const child = spawn(process.execPath, [mainJs, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await exited(child)).toBe(2);
    expect(stderr).toMatch(/^docklab proxy: haproxy\.cfg:3: 'mode' expects 'http' or 'tcp', got 'health'.* \[DOCKLAB_CONFIG_SYNTAX\]$/m);
  }, 30_000);
});
