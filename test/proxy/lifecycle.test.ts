import { describe, it, expect } from 'vitest';
import { connect } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startFixture, waitFor } from './support/proxy-fixture.js';
import { send } from './support/http-client.js';
import { DocklabError } from '../../src/errors.js';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { runProxyMain } from '../../src/proxy/main.js';

const server = async (port: number, path = '/') => JSON.parse((await send(port, { path })).body).server as string;

const V1 = `
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind @FE
  default_backend one
backend one
  server s1 @S1
backend two
  server s2 @S2
`;

describe('reload', () => {
  it('swaps the configuration, refuses a broken one and lets in-flight requests finish', async () => {
    const f = await startFixture(V1);
    try {
      expect(await server(f.port)).toBe('s1');
      // A slow request is in flight while the configuration changes.
      const inflight = send(f.port, { path: '/slow/400' });
      expect(await waitFor(() => f.servers[0]!.seen.some((r) => r.url === '/slow/400'))).toBe(true);
      f.rewrite(V1.replace('default_backend one', 'default_backend two'));
      await f.proxy.reload();
      expect(await server(f.port)).toBe('s2');
      const slow = await inflight;
      expect(slow.status).toBe(200);
      expect(JSON.parse(slow.body).server).toBe('s1');

      // A broken file: refused with its line number, the old configuration keeps serving.
      f.rewrite(V1.replace('default_backend one', 'default_backend two\n  bogus-keyword 1'));
      const err = await f.proxy.reload().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DocklabError);
      expect((err as DocklabError).message).toMatch(/^haproxy\.cfg:10: unknown or unsupported keyword 'bogus-keyword'/);
      expect(await server(f.port)).toBe('s2');

      // A reference error is refused the same way.
      f.rewrite(V1.replace('default_backend one', 'default_backend three'));
      await expect(f.proxy.reload()).rejects.toMatchObject({ code: 'DOCKLAB_CONFIG_REFERENCE' });
      expect(await server(f.port)).toBe('s2');
    } finally {
      await f.close();
    }
  });

  it('keeps client keep-alive connections across a reload', async () => {
    const f = await startFixture(V1);
    try {
      const sock = connect({ host: '127.0.0.1', port: f.port });
      const ask = () =>
        new Promise<string>((resolve) => {
          let got = '';
          const onData = (d: Buffer) => {
            got += d.toString();
            const m = /content-length: (\d+)\r\n/i.exec(got);
            const end = got.indexOf('\r\n\r\n');
            if (m && end >= 0 && got.length >= end + 4 + Number(m[1])) {
              sock.off('data', onData);
              resolve(JSON.parse(got.slice(end + 4)).server);
            }
          };
          sock.on('data', onData);
          sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        });
      expect(await ask()).toBe('s1');
      f.rewrite(V1.replace('default_backend one', 'default_backend two'));
      await f.proxy.reload();
      expect(await ask()).toBe('s2');
      sock.destroy();
    } finally {
      await f.close();
    }
  });
});

describe('health checks', () => {
  it('take a failing server out and bring it back when it recovers', async () => {
    const f = await startFixture(`
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind @FE
  default_backend web
backend web
  option httpchk GET /health
  server s1 @S1 check inter 50 rise 2 fall 2
  server s2 @S2 check inter 50 rise 2 fall 2
`);
    try {
      f.servers[1]!.healthy = false;
      expect(await waitFor(() => f.logs.some((l) => /Server web\/s2 is DOWN/.test(l)))).toBe(true);
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add(await server(f.port));
      expect([...seen]).toEqual(['s1']);
      f.servers[1]!.healthy = true;
      expect(await waitFor(() => f.logs.some((l) => /Server web\/s2 is UP/.test(l)))).toBe(true);
      for (let i = 0; i < 4; i++) seen.add(await server(f.port));
      expect([...seen].sort()).toEqual(['s1', 's2']);
      expect(f.logs.some((l) => /Server web\/s2 is DOWN/.test(l))).toBe(true);
      expect(f.logs.some((l) => /Server web\/s2 is UP/.test(l))).toBe(true);
    } finally {
      await f.close();
    }
  });
});

describe('websocket', () => {
  it('tunnels an upgraded connection both ways', async () => {
    const f = await startFixture(V1);
    try {
      const text = await new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: f.port });
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('hello from s1') && !got.includes('ping!')) s.write('ping!');
          if (got.includes('ping!')) {
            s.destroy();
            resolve(got);
          }
        });
        // A tunnel that closes or stalls fails the assertions below with what did arrive, instead of hanging.
        s.on('close', () => resolve(got));
        setTimeout(() => {
          s.destroy();
          resolve(got);
        }, 15_000);
        s.write(
          'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      expect(text.startsWith('HTTP/1.1 101')).toBe(true);
      expect(text).toMatch(/upgrade: websocket/i);
      expect(text).toContain('hello from s1');
      expect(text).toContain('ping!');
    } finally {
      await f.close();
    }
  });
});

describe('stats and logs', () => {
  it('serves HTML and CSV stats and logs one httplog line per request', async () => {
    const f = await startFixture(`
global
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind @FE
  stats uri /stats
  default_backend web
backend web
  server s1 @S1
  server s2 @S2 disabled
`);
    try {
      await send(f.port, { path: '/a?b=1' });
      const csv = (await send(f.port, { path: '/stats;csv' })).body.trim().split('\n');
      expect(csv[0]).toMatch(/^# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,/);
      const rows = csv.slice(1).map((l) => l.split(','));
      expect(rows.map((r) => `${r[0]}/${r[1]}/${r[17]}`)).toEqual(['fe/FRONTEND/OPEN', 'web/s1/no check', 'web/s2/MAINT', 'web/BACKEND/UP']);
      const html = await send(f.port, { path: '/stats' });
      expect(html.headers['content-type']).toBe('text/html');
      expect(html.body).toContain('<h2>web</h2>');
      const line = f.logs.find((l) => l.includes('"GET /a?b=1 HTTP/1.1"'));
      expect(line).toMatch(
        /^127\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe web\/s1 0\/0\/\d+\/\d+\/\d+ 200 \d+ - - ---- \d+\/\d+\/\d+\/\d+\/0 0\/0 "GET \/a\?b=1 HTTP\/1\.1"$/,
      );
    } finally {
      await f.close();
    }
  });
});

describe('startup errors and the standalone entry point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-main-'));
  it('reports a bad file with code, line and exit code 2', async () => {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, 'frontend fe\n  bind 127.0.0.1:0\n  use_backend missing\n');
    await expect(startProxyFromFile(file)).rejects.toMatchObject({
      code: 'DOCKLAB_CONFIG_REFERENCE',
      exitCode: 2,
      message: expect.stringMatching(/^haproxy\.cfg:3: /),
    });
    const saved = process.exitCode;
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      errors.push(String(s));
      return true;
    }) as typeof process.stderr.write;
    try {
      await runProxyMain(['-c', '-f', file]);
    } finally {
      process.stderr.write = write;
    }
    expect(process.exitCode).toBe(2);
    process.exitCode = saved;
    expect(errors.join('')).toMatch(/haproxy\.cfg:3: use_backend 'missing'/);
  });
  it('refuses a port already in use', async () => {
    const holder = await startFixture(V1);
    try {
      const file = join(dir, 'taken.cfg');
      writeFileSync(file, `frontend fe\n  bind 127.0.0.1:${holder.port}\n`);
      await expect(startProxyFromFile(file, { onWarning: () => {} })).rejects.toMatchObject({
        code: 'DOCKLAB_PORT_IN_USE',
        message: expect.stringMatching(/^taken\.cfg:2: /),
      });
    } finally {
      await holder.close();
    }
  });
  it('refuses a certificate file without a key', async () => {
    const pem = join(dir, 'bad.pem');
    writeFileSync(pem, 'not a certificate');
    const file = join(dir, 'tls.cfg');
    writeFileSync(file, `frontend fe\n  bind 127.0.0.1:0 ssl crt ${pem}\n`);
    await expect(startProxyFromFile(file, { onWarning: () => {} })).rejects.toMatchObject({
      code: 'DOCKLAB_CERT_INVALID',
      message: expect.stringMatching(/^tls\.cfg:2: /),
    });
  });
});

describe('upstream connections', () => {
  it('reuses keep-alive connections to servers and resolves host names at start', async () => {
    const g = await startFixture(V1.replace('server s1 @S1', 'server s1 localhost:@S1PORT'));
    try {
      for (let i = 0; i < 20; i++) expect((await send(g.port, { path: `/k${i}` })).status).toBe(200);
      expect(g.servers[0]!.accepted).toBe(1);
      expect(g.servers[0]!.seen.length).toBe(20);
    } finally {
      await g.close();
    }
  });
});
