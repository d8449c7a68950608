import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startProxyFromFile, type RunningProxy } from '../../src/proxy/index.js';
import { startEchoServer, freePort, type EchoServer } from './support/echo-servers.js';
import { send } from './support/http-client.js';
import { waitFor } from './support/proxy-fixture.js';

/**
 * HTTP/2 requests are counted and logged by the same request accounting as
 * HTTP/1 ones: denials, bytes, the frontend's connections and the backend's
 * connection count in the log line.
 */

let proxy: RunningProxy;
let echo: EchoServer;
let h2Port: number;
let statsPort: number;
const logs: string[] = [];

/** One HTTP/2 GET over TLS on an open session. */
function get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':path': path });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    stream.end();
  });
}

function openSession(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = h2connect(`https://127.0.0.1:${h2Port}`, { rejectUnauthorized: false });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** The stats CSV row of a proxy (`FRONTEND`, `BACKEND` or a server), by column name. */
async function statsRow(pxname: string, svname: string): Promise<Record<string, string>> {
  const r = await send(statsPort, { path: '/stats;csv' });
  const [header, ...rows] = r.body.trim().split('\n');
  const names = header!.replace(/^# /, '').split(',');
  const row = rows.map((l) => l.split(',')).find((c) => c[0] === pxname && c[1] === svname);
  if (!row) throw new Error(`no stats row ${pxname}/${svname}`);
  return Object.fromEntries(names.map((n, i) => [n, row[i] ?? '']));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-h2-accounting-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'],
    { stdio: 'ignore' },
  );
  writeFileSync(join(dir, 'site.pem'), readFileSync(join(dir, 'c.pem'), 'utf8') + readFileSync(join(dir, 'k.pem'), 'utf8'));
  echo = await startEchoServer('s1');
  h2Port = await freePort();
  statsPort = await freePort();
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(
    file,
    `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${h2Port} ssl crt ${join(dir, 'site.pem')} alpn h2,http/1.1
  option httplog
  log stdout format raw local0
  http-request deny if { path_beg /forbidden }
  default_backend app
backend app
  server s1 127.0.0.1:${echo.port}
listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`,
  );
  proxy = await startProxyFromFile(file, { onLog: (l) => logs.push(l), onWarning: () => {} });
});

afterAll(async () => {
  await proxy?.close();
  await echo?.close();
});

describe('HTTP/2 requests are counted and logged like HTTP/1 ones', () => {
  it('regression: a request denied by http-request rules over HTTP/2 counts as denied (dreq)', async () => {
    const before = Number((await statsRow('fe', 'FRONTEND')).dreq);
    const s = await openSession();
    try {
      expect((await get(s, '/forbidden')).status).toBe(403);
    } finally {
      s.close();
    }
    expect(Number((await statsRow('fe', 'FRONTEND')).dreq)).toBe(before + 1);
  });

  it('regression: bytes sent to an HTTP/2 client count in the frontend, backend and server counters (bout)', async () => {
    const fe0 = Number((await statsRow('fe', 'FRONTEND')).bout);
    const be0 = Number((await statsRow('app', 'BACKEND')).bout);
    const srv0 = Number((await statsRow('app', 's1')).bout);
    const s = await openSession();
    let body: string;
    try {
      const r = await get(s, '/counted');
      expect(r.status).toBe(200);
      body = r.body;
    } finally {
      s.close();
    }
    expect(Number((await statsRow('fe', 'FRONTEND')).bout) - fe0).toBe(Buffer.byteLength(body));
    expect(Number((await statsRow('app', 'BACKEND')).bout) - be0).toBe(Buffer.byteLength(body));
    expect(Number((await statsRow('app', 's1')).bout) - srv0).toBe(Buffer.byteLength(body));
  });

  it("regression: an HTTP/2 connection (h2 chosen by ALPN) counts as one of the frontend's current connections (scur)", async () => {
    const s = await openSession();
    try {
      await get(s, '/open');
      expect(Number((await statsRow('fe', 'FRONTEND')).scur)).toBe(1);
    } finally {
      s.close();
    }
    expect(await waitFor(async () => Number((await statsRow('fe', 'FRONTEND')).scur) === 0)).toBe(true);
  });

  it("regression: the log line of an HTTP/2 request shows the backend's connections (beconn), not 0", async () => {
    logs.length = 0;
    const slow = await openSession();
    const s = await openSession();
    try {
      // A request still in flight on the backend while the next one is logged.
      const pending = get(slow, '/slow/800');
      expect(await waitFor(() => echo.seen.length > 0 && echo.seen[echo.seen.length - 1]!.url === '/slow/800')).toBe(true);
      expect((await get(s, '/logged')).status).toBe(200);
      expect((await pending).status).toBe(200);
    } finally {
      s.close();
      slow.close();
    }
    expect(await waitFor(() => logs.some((l) => l.includes('/logged')))).toBe(true);
    const line = logs.find((l) => l.includes('/logged'))!;
    // actconn/feconn/beconn/srvconn/retries: two client connections; the slow request holds the backend and its server.
    expect(line).toMatch(/ \d+\/2\/1\/1\/0 0\/0 "GET \/logged HTTP\/2\.0"/);
  });
});
