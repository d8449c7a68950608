import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect } from 'node:net';
import { startFixture, sleep, waitFor, type Fixture } from './support/proxy-fixture.js';
import { rawExchange, send } from './support/http-client.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RawRecorder, rawSend } from './support/raw-recorder.js';
import { freePort } from './support/echo-servers.js';
import { startProxyFromFile, type RunningProxy } from '../../src/proxy/index.js';

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
  beforeAll(async () => {
    f = await startFixture(CFG);
  });
  afterAll(async () => {
    await f.close();
  });

  const rejected = async (payload: string, status: number) => {
    const before = f.servers[0]!.seen.length;
    const out = await rawExchange(f.port, payload);
    expect(out.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(f.servers[0]!.seen.length).toBe(before);
    // The proxy still serves normal traffic afterwards.
    expect((await send(f.port, { path: '/ok' })).status).toBe(200);
  };

  it('rejects Content-Length together with Transfer-Encoding', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400));
  it('rejects two different Content-Length values', () => rejected('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400));
  it('rejects a bad chunk size', () => rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400));
  it('rejects obs-fold header continuation', () => rejected('GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n', 400));
  it('rejects spaces inside the request URI', () => rejected('GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('rejects transfer codings other than chunked', () => rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 400));
  it('rejects a header name with a space before the colon', () => rejected('GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400));
  it('answers 400 to oversized headers, as HAProxy does', () => rejected(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 400));
  it('answers 400 to an oversized URI, as HAProxy does', () => rejected(`GET /${'u'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 400));
  it("forwards a 12 KB URI, which fits in HAProxy's buffer", async () => {
    const r = await send(f.port, { path: `/${'u'.repeat(12_000)}` });
    expect(r.status).toBe(200);
  });

  it('regression: a request hidden after the last chunk never reaches the server', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('regression: a trailer line that is not a header field gives 400', () =>
    rejected('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nnot a field\r\n\r\n', 400));
  it('regression: two different Host lines give 400', () => rejected('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400));
  it('regression: an absolute-form target naming another host than Host gives 400', () => rejected('GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('regression: a fragment in the request target gives 400', () => rejected('GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('regression: raw non-ASCII bytes in the request target give 400', () => rejected('GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('regression: a request target without a leading slash gives 400', () => rejected('GET api HTTP/1.1\r\nHost: a\r\n\r\n', 400));
  it('regression: authority-form with a method other than CONNECT gives 400', () => rejected('GET a.com:80 HTTP/1.1\r\nHost: a.com\r\n\r\n', 400));
  it('regression: more than 100 header fields give 400', () =>
    rejected(`GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 100 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 400));

  it('answers 408 when headers arrive too slowly', async () => {
    const started = Date.now();
    const out = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: f.port });
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
      });
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
    expect(await waitFor(() => f.servers[0]!.seen.some((r) => r.url === '/slow/300'))).toBe(true);
    s.destroy();
    await waitFor(() => f.proxy.openUpstreamSockets() <= before, 2000);
    expect(f.proxy.openUpstreamSockets()).toBeLessThanOrEqual(before);
  });
});

/** What a CRLF-only server reads: the head is rebuilt from the parsed request, never copied. */
describe('rebuilt request heads', () => {
  let rec: RawRecorder;
  let proxy: RunningProxy;
  let port: number;
  beforeAll(async () => {
    rec = await new RawRecorder('s1').start();
    port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'docklab-heads-'));
    writeFileSync(
      join(dir, 'h.cfg'),
      `defaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  server s1 127.0.0.1:${rec.port}\n`,
    );
    proxy = await startProxyFromFile(join(dir, 'h.cfg'), { onLog: () => {}, onWarning: () => {} });
  });
  afterAll(async () => {
    await proxy.close();
    await rec.close();
  });

  const forwarded = async (payload: string): Promise<string[]> => {
    const before = rec.requests.length;
    await rawSend(port, payload, 200);
    return rec.since(before).map((r) => r.bytes);
  };

  it('regression: bare LF line ends are forwarded as CRLF, header names in lower case', async () => {
    expect(await forwarded('GET /x HTTP/1.1\nHost: a\nX-Thing: b\n\n')).toEqual(['GET /x HTTP/1.1\r\nhost: a\r\nx-thing: b\r\n\r\n']);
  });
  it('regression: a bare LF cannot hide Transfer-Encoding from a CRLF-only server', async () => {
    const got = await forwarded('POST /te HTTP/1.1\r\nHost: a\r\nX-A: b\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n');
    expect(got).toEqual(['POST /te HTTP/1.1\r\nhost: a\r\nx-a: b\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n']);
  });
  it('regression: a bare LF cannot hide Content-Length from a CRLF-only server', async () => {
    expect(await forwarded('POST /cl HTTP/1.1\r\nHost: a\r\nX-A: b\nContent-Length: 5\r\n\r\nhello')).toEqual([
      'POST /cl HTTP/1.1\r\nhost: a\r\nx-a: b\r\ncontent-length: 5\r\n\r\nhello',
    ]);
  });
  it('regression: two identical Host lines reach the server as one', async () => {
    expect(await forwarded('GET /h HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n')).toEqual(['GET /h HTTP/1.1\r\nhost: a\r\n\r\n']);
  });
  it('trailers reach the server as checked header fields', async () => {
    const got = await forwarded('POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-Sum:  7 \r\n\r\n');
    expect(got).toEqual(['POST /t HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 7\r\n\r\n']);
  });
});

/** Connection options and retry rules, on docklab alone (the differential runs are in wire-conformance.test.ts). */
describe('connection options and retries', () => {
  let recs: RawRecorder[];
  let proxy: RunningProxy;
  let port: number;
  let port2: number;
  beforeAll(async () => {
    recs = await Promise.all(['s1', 's2'].map((n) => new RawRecorder(n).start()));
    port = await freePort();
    port2 = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'docklab-conn-'));
    const [a, b] = recs.map((r) => `127.0.0.1:${r.port}`);
    writeFileSync(
      join(dir, 'c.cfg'),
      `defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:${port}
  use_backend closing if { path_beg /closing }
  default_backend b
frontend fe2
  bind 127.0.0.1:${port2}
  option httpclose
  default_backend b
backend b
  retries 3
  option redispatch
  server s1 ${a}
  server s2 ${b}
backend closing
  option http-server-close
  server s1 ${a}
`,
    );
    proxy = await startProxyFromFile(join(dir, 'c.cfg'), { onLog: () => {}, onWarning: () => {} });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(recs.map((r) => r.close()));
  });
  const seen = () => recs.reduce((n, r) => n + r.requests.length, 0);

  it('regression: option httpclose is ignored (the client connection now closes after the response)', async () => {
    const r = await rawSend(port2, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(r.statuses).toEqual([200]);
    expect(r.connection).toEqual(['close']);
    expect(r.closed).toBe(true);
  });

  it('option http-server-close tells the server close and keeps the client', async () => {
    const before = recs[0]!.requests.length;
    const r = await rawSend(port, 'GET /closing/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /closing/2 HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(r.statuses).toEqual([200, 200]);
    expect(r.closed).toBe(false);
    expect(recs[0]!.since(before).map((x) => x.bytes)).toEqual([
      'GET /closing/1 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
      'GET /closing/2 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    ]);
  });

  it('regression: a request that reached a server that then died is re-sent to another server (now: 502, sent once)', async () => {
    for (const payload of ['GET /x/close HTTP/1.1\r\nHost: a\r\n\r\n', 'POST /x/close HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz']) {
      const before = seen();
      const r = await rawSend(port, payload, 500);
      expect(r.statuses).toEqual([502]);
      expect(seen() - before).toBe(1);
    }
  });
});

describe('a server dying under load', () => {
  it('fails only the requests it was processing (never re-sent elsewhere); later ones go to the survivor', async () => {
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
      const failures: number[] = [];
      let done = 0;
      let killed = false;
      let failedAfterKill = 0;
      const worker = async () => {
        for (let i = 0; i < 60; i++) {
          const startedAfterKill = killed;
          const r = await send(f.port, { path: `/slow/${i % 3}` }).catch(() => ({ status: 0 }));
          if (r.status !== 200) {
            failures.push(r.status);
            if (startedAfterKill) failedAfterKill++;
          }
          done++;
        }
      };
      const load = Promise.all(Array.from({ length: 10 }, worker));
      while (done < 150) await sleep(5);
      // Kill s1 abruptly: open connections reset, new ones refused.
      await f.servers[0]!.close();
      killed = true;
      await load;
      expect(done).toBe(600);
      // At most the requests s1 held when it died (one per client); each is a 502, as HAProxy answers.
      expect(failures.length).toBeLessThanOrEqual(10);
      expect(failures.every((st) => st === 502)).toBe(true);
      expect(failedAfterKill).toBe(0);
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
      const out = await rawExchange(
        f.port,
        'GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /denied HTTP/1.1\r\nHost: a\r\n\r\nGET /none HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        3000,
      );
      const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
      expect(statuses).toEqual(['200', '403', '503', '200']);
      expect(out.indexOf('"/one"')).toBeLessThan(out.indexOf('"/two"'));
    } finally {
      await f.close();
    }
  });
});
