import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect } from 'node:net';
import { startFixture, sleep, type Fixture } from './support/proxy-fixture.js';
import { rawExchange, send } from './support/http-client.js';

const CFG = `
defaults
  mode http
  timeout connect 300ms
  timeout client 5s
  timeout server 400ms
  timeout http-request 300ms
frontend fe
  bind @FE
  use_backend refused if { path_beg /refused }
  use_backend mixed if { path_beg /mixed }
  default_backend web
backend web
  server s1 @S1
backend refused
  retries 2
  server dead @DOWN
backend mixed
  retries 2
  option redispatch
  server dead @DOWN
  server s2 @S2
`;

/** Malformed requests must get 400 (or 414/431), never reach a server, and never crash the proxy. */
describe('proxy robustness', () => {
  let f: Fixture;
  beforeAll(async () => { f = await startFixture(CFG); });
  afterAll(async () => { await f.close(); });

  const rejected = async (payload: string, status: number) => {
    const before = f.servers[0]!.seen.length;
    const out = await rawExchange(f.port, payload);
    expect(out.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${{ 400: 'Bad Request', 414: 'URI Too Long', 431: 'Request Header Fields Too Large', 408: 'Request Timeout' }[status]}`);
    expect(f.servers[0]!.seen.length).toBe(before);
    // The proxy still serves normal traffic afterwards.
    expect((await send(f.port, { path: '/ok' })).status).toBe(200);
  };

  it('rejects Content-Length together with Transfer-Encoding', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400));
  it('rejects two different Content-Length values', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400));
  it('rejects a bad chunk size', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400));
  it('rejects obs-fold header continuation', () =>
    rejected('GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n', 400));
  it('rejects spaces inside the request URI', () =>
    rejected('GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('rejects transfer codings other than chunked', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 400));
  it('rejects a header name with a space before the colon', () =>
    rejected('GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400));
  it('answers 431 to oversized headers', () =>
    rejected(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431));
  it('answers 414 to an oversized URI', () =>
    rejected(`GET /${'u'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 414));

  it('answers 408 when headers arrive too slowly', async () => {
    const started = Date.now();
    const out = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: f.port });
      let got = '';
      s.on('data', (d: Buffer) => { got += d.toString(); });
      s.on('close', () => resolve(got));
      s.write('GET / HTTP/1.1\r\nHost: a\r\n');
    });
    expect(out.startsWith('HTTP/1.1 408')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers 504 when the server is slower than timeout server', async () => {
    const r = await send(f.port, { path: '/slow/1500' });
    expect(r.status).toBe(504);
  });

  it('retries a refusing server and answers 503', async () => {
    const r = await send(f.port, { path: '/refused' });
    expect(r.status).toBe(503);
  });

  it('redispatches to another server after refused connections', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await send(f.port, { path: '/mixed' });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).server).toBe('s2');
    }
  });

  it('keeps a large request body whole when the first server refuses the connection', async () => {
    const body = 'b'.repeat(200_000);
    const r = await send(f.port, { method: 'POST', path: '/mixed/upload', body, headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo.server).toBe('s2');
    expect(echo.body.length).toBe(body.length);
  });

  it('leaves no upstream socket behind when a client hangs up mid-request', async () => {
    await sleep(50);
    const s = connect({ host: '127.0.0.1', port: f.port });
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000));
    for (let i = 0; i < 50 && f.servers[0]!.sockets.size === 0; i++) await sleep(10);
    expect(f.proxy.openUpstreamSockets()).toBeGreaterThan(0);
    s.destroy();
    for (let i = 0; i < 100 && f.proxy.openUpstreamSockets() > 0; i++) await sleep(10);
    // Idle pooled sockets are fine; the aborted one must be gone.
    const idleOnly = f.proxy.openUpstreamSockets();
    const serverSide = f.servers[0]!.sockets.size;
    expect(serverSide).toBeLessThanOrEqual(idleOnly);
    const r = await send(f.port, { path: '/after' });
    expect(r.status).toBe(200);
  });

  it('leaves no upstream socket behind when a client hangs up waiting for a response', async () => {
    const before = f.proxy.openUpstreamSockets();
    const s = connect({ host: '127.0.0.1', port: f.port });
    s.write('GET /slow/300 HTTP/1.1\r\nHost: a\r\n\r\n');
    await sleep(100);
    s.destroy();
    await sleep(100);
    expect(f.proxy.openUpstreamSockets()).toBeLessThanOrEqual(before);
  });
});

describe('a server dying under load', () => {
  it('costs no request that could be retried safely', async () => {
    const f = await startFixture(`
defaults
  mode http
  timeout connect 300ms
  timeout client 5s
  timeout server 5s
frontend fe
  bind @FE
  default_backend web
backend web
  retries 3
  option redispatch
  server s1 @S1
  server s2 @S2
`);
    try {
      let failures = 0;
      let done = 0;
      const worker = async () => {
        for (let i = 0; i < 60; i++) {
          const r = await send(f.port, { path: `/slow/${i % 3}` }).catch(() => ({ status: 0 }));
          if (r.status !== 200) failures++;
          done++;
        }
      };
      const load = Promise.all(Array.from({ length: 10 }, worker));
      while (done < 150) await sleep(5);
      // Kill s1 abruptly: open connections reset, new ones refused.
      await f.servers[0]!.close();
      await load;
      expect(done).toBe(600);
      expect(failures).toBe(0);
    } finally {
      await f.close();
    }
  });
});

describe('pipelining', () => {
  it('answers pipelined requests in order, including ones that never reach a server', async () => {
    const f = await startFixture(`
defaults
  mode http
  timeout connect 300ms
  timeout client 5s
  timeout server 2s
frontend fe
  bind @FE
  http-request deny if { path /denied }
  use_backend none if { path /none }
  default_backend web
backend web
  server s1 @S1
backend none
  server off @S2 disabled
`);
    try {
      const out = await rawExchange(f.port,
        'GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /denied HTTP/1.1\r\nHost: a\r\n\r\nGET /none HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 3000);
      const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
      expect(statuses).toEqual(['200', '403', '503', '200']);
      expect(out.indexOf('"/one"')).toBeLessThan(out.indexOf('"/two"'));
    } finally {
      await f.close();
    }
  });
});
