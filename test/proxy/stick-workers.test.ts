import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startEchoServer, freePort, type EchoServer } from './support/echo-servers.js';
import { waitForPort } from './support/haproxy-process.js';
import { send } from './support/http-client.js';

/**
 * `--workers N`: stick tables live in the primary process, so a limit holds
 * for the whole proxy and not per worker. Runs the compiled entry point as
 * a container would, with two workers sharing the listening socket.
 */
const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, 'node_modules/.cache/docklab-stick-build');
const mainJs = join(outDir, 'src/proxy/main.js');

const cfg = (port: number, keysPort: number, echo: number) => `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${port}
  stick-table type ip size 100k expire 30s store http_req_rate(10s),gpc0
  http-request track-sc0 src
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 10 }
  default_backend be
frontend keys
  bind 127.0.0.1:${keysPort}
  stick-table type string len 16 size 100 expire 30s store gpc0
  http-request track-sc1 req.hdr(x-key)
  http-request sc-inc-gpc0(1) if { path /mark }
  http-request deny if { sc1_get_gpc0 gt 0 } !{ path /mark }
  http-request set-header x-table %[table_cnt]
  default_backend be
backend be
  server s1 127.0.0.1:${echo}
`;

let child: ChildProcess | undefined;
let echo: EchoServer;
let port: number;
let keysPort: number;

async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe('stick tables shared by --workers 2', () => {
  beforeAll(async () => {
    // Others' unfinished files may fail the type check; the emitted JavaScript is what runs.
    spawnSync('npx', ['tsc', '-p', join(root, 'bench/proxy/tsconfig.json'), '--outDir', outDir], { cwd: root, stdio: 'ignore' });
    if (!existsSync(mainJs)) throw new Error(`build produced no ${mainJs}`);
    echo = await startEchoServer('s1');
    port = await freePort();
    keysPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'docklab-stick-workers-'));
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, cfg(port, keysPort, echo.port));
    child = spawn(process.execPath, [mainJs, '-f', file, '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    // Three processes start on a possibly loaded machine: allow time, and say why if they never listen.
    try {
      await waitForPort(port, 30_000);
      await waitForPort(keysPort, 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; proxy stderr:\n${err}`);
    }
    // Both workers listen once each has printed its address.
    const until = Date.now() + 10_000;
    while ((err.match(/fe listening/g) ?? []).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await echo?.close();
  });

  it('the 429 limit holds exactly for the whole proxy: 10 of 30 parallel requests pass', async () => {
    const statuses = await inParallel(30, 6, async () => (await send(port, { path: '/' })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  }, 30_000);

  it('gpc0 set through one worker blocks the key on every worker; table_cnt counts the whole table', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const first = await inParallel(keys.length, 5, (i) => send(keysPort, { path: '/', headers: { 'x-key': keys[i]! } }));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await send(keysPort, { path: '/mark', headers: { 'x-key': 'b' } })).status).toBe(200);
    const after = await inParallel(12, 6, (i) => send(keysPort, { path: '/', headers: { 'x-key': i % 2 ? 'b' : 'a' } }));
    expect(after.map((r) => r.status)).toEqual(Array.from({ length: 12 }, (_v, i) => (i % 2 ? 403 : 200)));
    const seen = after.filter((r) => r.status === 200).map((r) => (JSON.parse(r.body) as { headers: Record<string, string> }).headers['x-table']);
    expect(new Set(seen)).toEqual(new Set(['5']));
  }, 30_000);
});
