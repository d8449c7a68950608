import { describe, it, expect } from 'vitest';
import { request } from 'node:http';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { DocklabError } from '../../src/errors.js';
import { dynamicCookie, readRequestCookie, applyResponseCookie } from '../../src/proxy/http/persistence-cookie.js';
import type { CookieModel } from '../../src/proxy/config/model.js';
import { startFixture, sleep } from './support/proxy-fixture.js';

const HEAD = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n';
const parse = (text: string) => ConfigParser.parseText(HEAD + text, 'haproxy.cfg');
function failure(text: string): DocklabError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof DocklabError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

describe('server lines', () => {
  it('server-template names servers PREFIX1..N, or PREFIXa..b for a range, with the options of the line', () => {
    const b = parse('backend b\n  server-template web 3 app.local:80 check weight 5\n  server-template api 2-4 10.0.0.1:81\n').backends[0]!;
    expect(b.servers.map((s) => s.name)).toEqual(['web1', 'web2', 'web3', 'api2', 'api3', 'api4']);
    expect(b.servers[0]).toMatchObject({ host: 'app.local', port: 80, options: { check: true, weight: 5 } });
    expect(b.servers[5]).toMatchObject({ host: '10.0.0.1', port: 81 });
  });
  it('server-template refuses a bad range and a name clash with its line', () => {
    expect(failure('backend b\n  server-template web 3-1 a:80\n').message).toMatch(/haproxy\.cfg:7: .*range/);
    expect(failure('backend b\n  server web2 a:80\n  server-template web 3 a:80\n').message).toMatch(/haproxy\.cfg:8: server 'web2' is already declared/);
  });
  it('ssl without verify none needs a CA file, as in HAProxy (verify is required by default)', () => {
    expect(failure('backend b\n  server s1 127.0.0.1:443 ssl\n').message).toMatch(/haproxy\.cfg:7: .*verify is enabled by default but no CA file/);
    expect(parse('backend b\n  server s1 127.0.0.1:443 ssl verify none sni req.hdr(host) alpn h2,http/1.1\n').backends[0]!.servers[0]!.options).toMatchObject({
      ssl: true,
      verify: 'none',
      sni: 'req.hdr(host)',
      alpn: ['h2', 'http/1.1'],
    });
    expect(
      parse('global\n  ssl-server-verify none\n' + HEAD + 'backend b\n  server s1 127.0.0.1:443 ssl check-ssl\n').backends[0]!.servers[0]!.options.checkSsl,
    ).toBe(true);
    expect(failure('backend b\n  server s1 127.0.0.1:443 ssl verify none ca-file /no/such/ca.pem\n').message).toMatch(
      /haproxy\.cfg:7: .*ca-file '\/no\/such\/ca\.pem'/,
    );
  });
  it('refuses server options it cannot honour by name: agent-check, redir, track', () => {
    expect(failure('backend b\n  server s1 127.0.0.1:80 agent-check agent-port 9999\n').message).toMatch(/haproxy\.cfg:7: server option 'agent-check'/);
    expect(failure('backend b\n  server s1 127.0.0.1:80 redir http://x\n').message).toMatch(/'redir'/);
    expect(failure('backend b\n  server s1 127.0.0.1:80 track b/s2\n').message).toMatch(/'track'/);
  });
  it('default-server options apply to later servers, and server lines override them', () => {
    const b = parse('backend b\n  default-server inter 3s fall 2 weight 7 on-marked-down shutdown-sessions\n  server s1 127.0.0.1:80 weight 1\n').backends[0]!;
    expect(b.servers[0]!.options).toMatchObject({ inter: 3000, fall: 2, weight: 1, onMarkedDown: 'shutdown-sessions' });
  });
  it('init-addr takes last, libc, none or an address', () => {
    expect(parse('backend b\n  server s1 x.invalid:80 init-addr last,libc,none\n').backends[0]!.servers[0]!.options.initAddr).toEqual(['last', 'libc', 'none']);
    expect(failure('backend b\n  server s1 x.invalid:80 init-addr dns\n').message).toMatch(/haproxy\.cfg:7: 'init-addr'/);
  });
});

describe('balance and checks in the parser', () => {
  it('balance rdp-cookie is refused with its line; unknown modifiers as HAProxy words them', () => {
    expect(failure('backend b\n  balance rdp-cookie\n').message).toMatch(/haproxy\.cfg:7: 'balance rdp-cookie'/);
    expect(failure('backend b\n  balance hdr(host) foo\n').message).toMatch(/only accepts 'use_domain_only'/);
    expect(failure('backend b\n  balance uri depth 0\n').message).toMatch(/'depth' expects a positive integer/);
    expect(parse('backend b\n  balance url_param uid\n').backends[0]!.settings.balance).toMatchObject({ algo: 'url_param', param: 'uid' });
  });
  it('http-check rules of a backend replace those of its defaults', () => {
    const cfg = parse('defaults\n  option httpchk\n  http-check expect status 200\nbackend a\n  http-check expect string up\nbackend b\n');
    const [a, b] = cfg.backends;
    expect(a!.settings.httpCheckRules!.rules).toHaveLength(1);
    expect(a!.settings.httpCheckRules!.rules[0]).toMatchObject({ what: 'string', pattern: 'up' });
    expect(b!.settings.httpCheckRules!.rules[0]).toMatchObject({ what: 'status', pattern: '200' });
  });
  it('refuses a bad http-check / tcp-check expect with its line', () => {
    expect(failure('backend b\n  http-check expect body x\n').message).toMatch(/haproxy\.cfg:7: 'http-check expect' expects/);
    expect(failure('backend b\n  tcp-check expect rstring (\n').message).toMatch(/haproxy\.cfg:7: bad regular expression/);
  });
  it('cookie modes are exclusive; attr refuses a semicolon', () => {
    expect(failure('backend b\n  cookie S insert prefix\n').message).toMatch(/haproxy\.cfg:7: cookie 'rewrite', 'insert' and 'prefix' modes are incompatible/);
    expect(failure('backend b\n  cookie S insert attr a;b\n').message).toMatch(/not permitted in attribute value/);
  });
});

describe('persistence cookies', () => {
  it('dynamic cookies hash the key, address and port as HAProxy does', () => {
    // Value HAProxy 2.6 set for `dynamic-cookie-key mysecret` and a server at 127.0.0.1:18900.
    expect(dynamicCookie('mysecret', '127.0.0.1', 18900)).toBe('0193f79df49d9e4e');
  });
  const base: CookieModel = {
    name: 'app',
    insert: false,
    indirect: false,
    nocache: false,
    preserve: false,
    httponly: false,
    secure: false,
    loc: { file: 'f', line: 1 },
  };
  it('prefix mode takes SERVER~ off the value the server sees, keeping the rest of the header', () => {
    const headers: [string, string][] = [['Cookie', 'a=1;app=s2~xyz; b=2']];
    expect(readRequestCookie({ ...base, mode: 'prefix' }, headers)).toEqual({ server: 's2', modified: true });
    expect(headers[0]![1]).toBe('a=1;app=xyz; b=2');
    const plain: [string, string][] = [['Cookie', 'app=xyz']];
    expect(readRequestCookie({ ...base, mode: 'prefix' }, plain)).toEqual({ server: undefined, modified: false });
  });
  it('prefix and rewrite modes change the Set-Cookie of the server', () => {
    const h1: [string, string][] = [['Set-Cookie', 'app=v1; Path=/']];
    applyResponseCookie({ ...base, mode: 'prefix' }, 's1', false, h1);
    expect(h1[0]![1]).toBe('app=s1~v1; Path=/');
    const h2: [string, string][] = [
      ['Set-Cookie', 'app=v1; Path=/'],
      ['Set-Cookie', 'other=1'],
    ];
    applyResponseCookie({ ...base, mode: 'rewrite' }, 's1', false, h2);
    expect(h2.map((h) => h[1])).toEqual(['app=s1; Path=/', 'other=1']);
  });
  it('maxidle: a cookie last seen too long ago is ignored; a fresh one is honoured', () => {
    const c: CookieModel = { ...base, name: 'SRV', insert: true, mode: 'insert', maxidle: 60 };
    const out: [string, string][] = [];
    applyResponseCookie(c, 's1', true, out);
    const value = /^SRV=([^;]+)/.exec(out[0]![1])![1]!;
    expect(value).toMatch(/^s1\|[A-Za-z0-9+/]{5}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(readRequestCookie(c, [['Cookie', `SRV=${value}`]], now).server).toBe('s1');
    expect(readRequestCookie(c, [['Cookie', `SRV=${value}`]], now + 600).server).toBeUndefined();
  });
});

function slowGet(port: number, path: string): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    req.end();
  });
}

describe('on-marked-down shutdown-sessions', () => {
  const cfg = (extra: string) =>
    `${HEAD}frontend fe\n  bind @FE\n  default_backend b\nbackend b\n  option httpchk GET /health\n  server s1 @S1 check inter 100 rise 1 fall 1 ${extra}\n`;
  it('cuts a request in flight when its server is marked down', async () => {
    const f = await startFixture(cfg('on-marked-down shutdown-sessions'), ['s1']);
    try {
      await sleep(300);
      const started = Date.now();
      const pending = slowGet(f.port, '/slow/3000');
      // Mark the server down only once it holds the request.
      while (!f.servers[0]!.seen.some((r) => r.url === '/slow/3000')) await sleep(20);
      f.servers[0]!.healthy = false;
      const r = await pending;
      expect(r).toHaveProperty('error');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await f.close();
    }
  });
  it('without it, the request in flight finishes', async () => {
    const f = await startFixture(cfg(''), ['s1']);
    try {
      await sleep(300);
      const pending = slowGet(f.port, '/slow/1200');
      while (!f.servers[0]!.seen.some((r) => r.url === '/slow/1200')) await sleep(20);
      f.servers[0]!.healthy = false;
      expect(await pending).toEqual({ status: 200 });
    } finally {
      await f.close();
    }
  });
});

describe('server state and templates', () => {
  it('server-state files are accepted with a warning, and a server-template line warns once', () => {
    const m = ConfigParser.parseText(
      `global\n  server-state-file /tmp/state\n${HEAD}  load-server-state-from-file global\nbackend b\n  server-template s 3 app.invalid:80 init-addr none slowstart 10s\n`,
      'haproxy.cfg',
    );
    expect(m.warnings.filter((w) => w.includes('server-state-file'))).toHaveLength(1);
    expect(m.warnings.filter((w) => w.includes("'slowstart'"))).toHaveLength(1);
    expect(m.backends[0]!.servers).toHaveLength(3);
  });
});

describe('HTTP/2 to servers', () => {
  it('regression: a pooled HTTP/2 upstream socket handed on before its stream ended no longer swallows the next request', async () => {
    const { startSecureEchoServer, freePort } = await import('./support/echo-servers.js');
    const { startProxyFromFile } = await import('../../src/proxy/index.js');
    const { send } = await import('./support/http-client.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const srv = await startSecureEchoServer('h', { h2c: true });
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'docklab-h2-')), 'haproxy.cfg');
    writeFileSync(
      file,
      `${HEAD}frontend fe\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  timeout server 3s\n  server s1 127.0.0.1:${srv.port} proto h2\n`,
    );
    const p = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
    try {
      for (let round = 0; round < 2; round++) {
        const rs = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            send(port, {
              path: `/x?i=${i}`,
              method: i % 2 ? 'POST' : 'GET',
              ...(i % 2 ? { body: 'y'.repeat(100 * i) } : {}),
            }),
          ),
        );
        expect(rs.map((r) => r.status)).toEqual(Array(30).fill(200));
        rs.forEach((r, i) => expect((JSON.parse(r.body) as { body: string }).body).toHaveLength(i % 2 ? 100 * i : 0));
      }
    } finally {
      await p.close();
      await srv.close();
    }
  });
});

describe('HTTP/2 to servers over TLS', () => {
  it('regression: response data delivered before the response event is held until the head went out (no 502 under concurrent POSTs)', async () => {
    const { startSecureEchoServer, freePort } = await import('./support/echo-servers.js');
    const { startProxyFromFile } = await import('../../src/proxy/index.js');
    const { send } = await import('./support/http-client.js');
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { execFileSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'docklab-h2tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'],
      { stdio: 'ignore' },
    );
    const srv = await startSecureEchoServer('h', { h2: true, cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') });
    const port = await freePort();
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(
      file,
      `${HEAD}frontend fe\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  server s1 127.0.0.1:${srv.port} ssl verify none alpn h2 proto h2\n`,
    );
    const p = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
    try {
      for (let round = 0; round < 8; round++) {
        const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => send(port, { path: `/x?i=${i}`, method: 'POST', body: 'x'.repeat(1000 * i) })));
        expect(rs.map((r) => r.status)).toEqual(Array(40).fill(200));
      }
    } finally {
      await p.close();
      await srv.close();
    }
  });
});
