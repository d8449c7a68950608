import { describe, it, expect } from 'vitest';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { Router } from '../../src/proxy/runtime/router.js';
import { statsRows } from '../../src/proxy/stats/stats-page.js';
import { effectiveStats, proxyIds } from '../../src/proxy/stats/stats-endpoint.js';
import { applyAdminAction, serverStatusText } from '../../src/proxy/stats/server-admin.js';
import { DocklabError } from '../../src/errors.js';

const HEAD = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n';
const compile = async (text: string) => Router.compile(ConfigParser.parseText(HEAD + text, 'haproxy.cfg'));

describe('stats rows', () => {
  it('regression: the CSV lists proxies in file order, not every frontend first', async () => {
    const r = await compile(
      'frontend a\n  bind 127.0.0.1:1\n  default_backend b\nbackend b\n  server s 127.0.0.1:2\nfrontend c\n  bind 127.0.0.1:3\n  default_backend b\n',
    );
    expect(statsRows(r).map((x) => `${x.pxname}/${x.svname}/${x.iid}`)).toEqual(['a/FRONTEND/1', 'b/s/2', 'b/BACKEND/2', 'c/FRONTEND/3']);
    expect([...proxyIds(r).values()]).toEqual([1, 2, 3]);
  });

  it('regression: a backend whose only usable servers are backups reports their weight', async () => {
    const r = await compile('backend b\n  server s1 127.0.0.1:2 backup weight 7\n');
    expect(statsRows(r).find((x) => x.svname === 'BACKEND')).toMatchObject({ weight: 7, act: 0, bck: 1 });
  });

  it('drain, maint and ready change the status and what balancing may pick', async () => {
    const r = await compile('backend b\n  server s1 127.0.0.1:2 cookie a\n');
    const s = r.backends.get('b')!.servers[0]!;
    expect(applyAdminAction(s, 'drain')).toBe('altered');
    expect([serverStatusText(s), s.usable(), s.persistable()]).toEqual(['DRAIN', false, true]);
    applyAdminAction(s, 'maint');
    expect([serverStatusText(s), s.usable(), s.persistable()]).toEqual(['MAINT', false, false]);
    applyAdminAction(s, 'ready');
    expect([serverStatusText(s), s.usable(), s.persistable()]).toEqual(['no check', true, true]);
    expect(applyAdminAction(s, 'dhlth')).toBe('skipped');
    applyAdminAction(s, 'hnolb');
    expect([serverStatusText(s), s.usable()]).toEqual(['NOLB', false]);
    applyAdminAction(s, 'hdown');
    expect([serverStatusText(s), s.usable()]).toEqual(['DOWN', false]);
    applyAdminAction(s, 'hrunn');
    expect([serverStatusText(s), s.usable()]).toEqual(['no check', true]);
    expect(applyAdminAction(s, 'dagent')).toBe('skipped');
  });
});

describe('stats configuration', () => {
  it('regression: stats lines in defaults are accepted and inherited until a section writes its own', () => {
    const m = ConfigParser.parseText(`${HEAD}  stats enable\n  stats auth a:b\nfrontend f\n  bind 127.0.0.1:1\nbackend b\n  stats uri /x\n`, 'h.cfg');
    const f = m.frontends[0]!;
    const b = m.backends[0]!;
    expect(effectiveStats(f)).toMatchObject({ uri: '/haproxy?stats', users: [{ user: 'a', pass: 'b' }] });
    expect(effectiveStats(b)).toMatchObject({ uri: '/x', users: [] });
  });

  it('stats admin in defaults is refused with its line, as HAProxy does', () => {
    let err: unknown;
    try {
      ConfigParser.parseText(`${HEAD}  stats admin if TRUE\n`, 'h.cfg');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DocklabError);
    expect((err as Error).message).toMatch(/h\.cfg:6: 'stats admin' is not allowed in a defaults section/);
  });

  it('stats admin conditions must name ACLs declared above them, as HAProxy requires', () => {
    expect(() => ConfigParser.parseText(`${HEAD}listen s\n  bind 127.0.0.1:1\n  stats admin if nope\n`, 'h.cfg')).toThrow(
      /h\.cfg:8: ACL 'nope' is not declared/,
    );
    expect(() => ConfigParser.parseText(`${HEAD}listen s\n  bind 127.0.0.1:1\n  stats admin if ok\n  acl ok src 127.0.0.1\n`, 'h.cfg')).toThrow(
      /h\.cfg:8: ACL 'ok'/,
    );
    expect(
      ConfigParser.parseText(`${HEAD}listen s\n  bind 127.0.0.1:1\n  acl ok src 127.0.0.1\n  stats admin if ok || LOCALHOST\n`, 'h.cfg').frontends,
    ).toHaveLength(1);
  });

  it('references to undeclared userlists and caches are refused with their line', () => {
    expect(() => ConfigParser.parseText(`${HEAD}frontend f\n  bind 127.0.0.1:1\n  http-request auth unless { http_auth(nope) }\n`, 'h.cfg')).toThrow(
      /h\.cfg:8: userlist 'nope' is not declared/,
    );
    expect(() =>
      ConfigParser.parseText(
        `${HEAD}userlist L\n  group g\nfrontend f\n  bind 127.0.0.1:1\n  acl a http_auth_group(L) g\n  http-request deny if { http_auth_group(L) nosuch }\n`,
        'h.cfg',
      ),
    ).toThrow(/h\.cfg:11: .*no group 'nosuch'/);
    expect(() => ConfigParser.parseText(`${HEAD}frontend f\n  bind 127.0.0.1:1\n  http-request cache-use c\n`, 'h.cfg')).toThrow(
      /h\.cfg:8: cache 'c' is not declared/,
    );
    expect(() => ConfigParser.parseText(`${HEAD}frontend f\n  bind 127.0.0.1:1\n  http-request use-service lua.x\n`, 'h.cfg')).toThrow(
      /h\.cfg:8: .*service 'lua.x'/,
    );
  });
});

describe('stats admin POST on the wire', () => {
  it('reads a chunked form body, answers 303 and keeps the connection for the next request', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { startProxyFromFile } = await import('../../src/proxy/index.js');
    const { startEchoServer, freePort } = await import('./support/echo-servers.js');
    const { rawExchange } = await import('./support/http-client.js');
    const s1 = await startEchoServer('s1');
    const s2 = await startEchoServer('s2');
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'stats-post-')), 'h.cfg');
    writeFileSync(
      file,
      `${HEAD}listen st\n  bind 127.0.0.1:${port}\n  balance roundrobin\n  stats uri /st\n  stats admin if TRUE\n  server s1 127.0.0.1:${s1.port}\n  server s2 127.0.0.1:${s2.port}\n`,
    );
    const proxy = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
    try {
      const form = 's=s1&action=maint&b=st';
      const chunked = `POST /st HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${form.slice(0, 5)}\r\n${(form.length - 5).toString(16)}\r\n${form.slice(5)}\r\n0\r\n\r\n`;
      const out = await rawExchange(port, `${chunked}GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 2000);
      expect(out).toMatch(/^HTTP\/1\.1 303 See Other\r\n/);
      expect(out).toContain('location: /st;st=DONE');
      const served = [...out.matchAll(/"server":"(s\d)"/g)].map((m) => m[1]);
      expect(served).toEqual(['s2', 's2']);
    } finally {
      await proxy.close();
      await s1.close();
      await s2.close();
    }
  });
});
