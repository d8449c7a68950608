import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { freePort, startEchoServer, type EchoServer } from './support/echo-servers.js';
import { haproxyAvailability, startHaproxy } from './support/haproxy-process.js';

/**
 * A `mode tcp` frontend using a `mode http` backend: the connection is
 * upgraded to HTTP in place. Each scenario runs through real HAProxy and
 * docklab with the same configuration and must give the same answers.
 */

const availability = haproxyAvailability();
if (!availability.available) console.warn(availability.message);

const HEAD = `global
  maxconn 64
defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** Routes on Host under inspect-delay; each backend names itself in a header. */
const ROUTED = `frontend fe
  bind @FE
  tcp-request inspect-delay 1s
  tcp-request content set-var(sess.origin) str(tcp-rules)
  tcp-request content accept if HTTP
  use_backend b2 if { hdr(host) -i two }
  default_backend b1
backend b1
  mode http
  http-request set-header X-Be b1
  http-request set-header X-Sess %[var(sess.origin)]
  server s1 @S1
backend b2
  mode http
  http-request set-header X-Be b2
  http-request set-header X-Sess %[var(sess.origin)]
  server s2 @S2
`;

interface Seen {
  server: string;
  url: string;
  be: string;
  sess: string;
}

/** Sends each chunk on one connection, `gapMs` apart, then half-closes; returns the echo records of the responses and whether the proxy closed. */
function exchange(port: number, chunks: string[], gapMs: number): Promise<{ seen: Seen[]; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close after ${text.length} bytes: ${text.slice(0, 200)}`));
    }, 8000);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const seen = [...text.matchAll(/\{"server".*?\}\}?/g)]
        .map((m) => JSON.parse(m[0].endsWith('}}') ? m[0] : `${m[0]}}`) as { server: string; url: string; headers: Record<string, string> })
        .map((r) => ({ server: r.server, url: r.url, be: r.headers['x-be'] ?? '', sess: r.headers['x-sess'] ?? '' }));
      resolve({ seen, text });
    });
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      s.end();
    });
  });
}

async function withProxy<T>(kind: 'haproxy' | 'docklab', cfg: string, body: (port: number) => Promise<T>): Promise<T> {
  const servers: EchoServer[] = [await startEchoServer('s1'), await startEchoServer('s2')];
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'docklab-upgrade-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(
    file,
    (HEAD + cfg).replace(/@FE/g, `127.0.0.1:${port}`).replace(/@S1/g, `127.0.0.1:${servers[0]!.port}`).replace(/@S2/g, `127.0.0.1:${servers[1]!.port}`),
  );
  const stop =
    kind === 'haproxy'
      ? (await startHaproxy(file, port)).stop
      : await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} }).then((p) => () => p.close());
  try {
    return await body(port);
  } finally {
    await stop();
    await Promise.all(servers.map((s) => s.close()));
  }
}

describe.skipIf(!availability.available)('a tcp frontend upgraded to HTTP by an http backend', () => {
  for (const kind of ['haproxy', 'docklab'] as const) {
    it(`${kind}: each request on the kept-alive connection goes through the frontend's switching rules again`, async () => {
      const r = await withProxy(kind, ROUTED, (port) =>
        exchange(port, ['GET /a HTTP/1.1\r\nHost: one\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: two\r\n\r\n', 'GET /c HTTP/1.1\r\nHost: one\r\n\r\n'], 200),
      );
      expect(r.seen.map((s) => `${s.server} ${s.url} ${s.be}`)).toEqual(['s1 /a b1', 's2 /b b2', 's1 /c b1']);
    });

    it(`${kind}: sess variables set by tcp-request rules are seen by the HTTP rules of every request`, async () => {
      const r = await withProxy(kind, ROUTED, (port) => exchange(port, ['GET /a HTTP/1.1\r\nHost: two\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: one\r\n\r\n'], 200));
      expect(r.seen.map((s) => s.sess)).toEqual(['tcp-rules', 'tcp-rules']);
    });

    it(`${kind}: a client FIN while content rules wait closes the connection without an answer`, async () => {
      const cfg = `frontend fe
  bind @FE
  tcp-request inspect-delay 300ms
  tcp-request content accept if { req.len gt 100000 }
  default_backend b1
backend b1
  mode http
  http-request set-header X-Be b1
  server s1 @S1
`;
      const r = await withProxy(kind, cfg, (port) => exchange(port, ['GET /fin HTTP/1.1\r\nHost: x\r\n\r\n'], 0));
      expect(r.text).toBe('');
    });

    it(`${kind}: without content rules the connection is upgraded at once, so a request and a FIN sent together are answered`, async () => {
      const cfg = `frontend fe
  bind @FE
  default_backend b1
backend b1
  mode http
  http-request set-header X-Be b1
  server s1 @S1
`;
      const r = await withProxy(kind, cfg, (port) => exchange(port, ['GET /fin HTTP/1.1\r\nHost: x\r\n\r\n'], 0));
      expect(r.seen.map((s) => `${s.server} ${s.url} ${s.be}`)).toEqual(['s1 /fin b1']);
      expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    });
  }

  it('regression: a graceful stop closes an idle kept-alive connection at once instead of waiting for the client timeout', async () => {
    const t0 = Date.now();
    const { closed } = await withProxy('docklab', ROUTED, async (port) => {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      const answered = new Promise<void>((r) => s.once('data', () => r()));
      s.write('GET /idle HTTP/1.1\r\nHost: one\r\n\r\n');
      await answered;
      // Kept alive and idle: the stop that follows must close it rather than wait for it.
      return { closed: new Promise<void>((r) => s.once('close', () => r())) };
    });
    await closed;
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
