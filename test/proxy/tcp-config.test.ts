import { describe, it, expect } from 'vitest';
import { createServer as createNetServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { DocklabError } from '../../src/errors.js';
import { readClientHello, readRecordHead } from '../../src/proxy/tcp/client-hello.js';
import { proxyHeaderV1, proxyHeaderV2, readProxyHeader } from '../../src/proxy/tcp/proxy-protocol.js';

const parse = (text: string) => ConfigParser.parseText(text, 'haproxy.cfg');
function failure(text: string): DocklabError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof DocklabError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

describe('TCP mode in the configuration', () => {
  it('reads mode, inspect-delay, rules and tcplog', () => {
    const m = parse(
      'defaults\n  mode tcp\n  option tcplog\n  timeout client-fin 3s\nfrontend fe\n  bind :0\n  tcp-request inspect-delay 5s\n  tcp-request content accept if { req.ssl_hello_type 1 }\n  default_backend b\nbackend b\n  server s 127.0.0.1:1 send-proxy-v2\n',
    );
    const fe = m.frontends[0]!;
    expect(fe.settings.mode).toBe('tcp');
    expect(fe.settings.tcplog).toBe(true);
    expect(fe.settings.inspectDelay).toBe(5000);
    expect(fe.settings.timeouts['client-fin']).toBe(3000);
    expect(fe.tcpRules?.map((r) => [r.list, r.action.kind])).toEqual([['content', 'accept']]);
    expect(m.backends[0]!.servers[0]!.options.sendProxy).toBe(2);
  });

  it('reads tcp-response inspect-delay and content rules in backends and listen sections', () => {
    const m = parse(
      'defaults\n  mode tcp\nbackend b\n  tcp-response inspect-delay 2s\n  tcp-response content accept if { res.len ge 4 }\n  tcp-response content close if { res.payload(0,2) -m str ok }\n  tcp-response content set-var(txn.n) res.len\n  tcp-response content reject\n  server s 127.0.0.1:1\n',
    );
    const b = m.backends[0]!;
    expect(b.settings.responseInspectDelay).toBe(2000);
    expect(b.tcpRules?.map((r) => [r.list, r.action.kind])).toEqual([
      ['response', 'accept'],
      ['response', 'close'],
      ['response', 'registered'],
      ['response', 'reject'],
    ]);
  });

  it("refuses tcp-response in a frontend with HAProxy's message, and in an http section", () => {
    expect(failure('frontend f\n  mode tcp\n  bind :0\n  tcp-response content reject\n').message).toMatch(
      /^haproxy\.cfg:4: tcp-response content is only allowed in 'backend' sections/,
    );
    expect(failure('backend b\n  mode http\n  tcp-response content reject\n  server s 127.0.0.1:1\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(failure('backend b\n  mode tcp\n  tcp-response content frobnicate\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });

  it('refuses an http frontend using a tcp backend, as HAProxy does', () => {
    const e = failure('frontend f\n  mode http\n  bind :0\n  default_backend b\nbackend b\n  mode tcp\n  server s 127.0.0.1:1\n');
    expect(e.code).toBe('DOCKLAB_CONFIG_REFERENCE');
    expect(e.message).toMatch(/^haproxy\.cfg:4: http frontend 'f' tries to use incompatible tcp backend 'b' \(line 5\)/);
  });

  it('accepts a tcp frontend using an http backend (the connection is upgraded to HTTP, as in HAProxy)', () => {
    const m = parse('frontend f\n  mode tcp\n  bind :0\n  default_backend b\nbackend b\n  mode http\n  server s 127.0.0.1:1\n');
    expect(m.frontends[0]!.settings.mode).toBe('tcp');
    expect(m.backends.find((b) => b.name === 'b')!.settings.mode).toBe('http');
  });

  it("ignores http-request rules and httplog in TCP sections with HAProxy's warnings", () => {
    const m = parse(
      'defaults\n  mode tcp\n  option httplog\nfrontend f\n  bind :0\n  http-request deny\n  default_backend b\nbackend b\n  server s 127.0.0.1:1\n',
    );
    expect(m.frontends[0]!.requestRules).toEqual([]);
    expect(m.frontends[0]!.settings.tcplog).toBe(true);
    expect(m.warnings.join('\n')).toMatch(/'http-request' rules ignored for frontend 'f' as they require HTTP mode/);
    expect(m.warnings.join('\n')).toMatch(/'option httplog' not usable with frontend 'f'/);
  });

  it('warns that a connection rule on TLS data never matches', () => {
    const m = parse(
      'frontend f\n  mode tcp\n  bind :0\n  tcp-request connection reject if { req.ssl_sni -i a }\n  default_backend b\nbackend b\n  mode tcp\n  server s 127.0.0.1:1\n',
    );
    expect(m.warnings.join('\n')).toMatch(/haproxy\.cfg:4: warning: acl .* will never match in 'tcp-request connection'/);
  });

  it('refuses connection rules in backends and rules in defaults, with the line', () => {
    expect(failure('backend b\n  tcp-request connection reject\n').message).toMatch(
      /^haproxy\.cfg:2: 'tcp-request connection' is not allowed in a backend section/,
    );
    expect(failure('defaults\n  tcp-request content reject\n').message).toMatch(
      /^haproxy\.cfg:2: 'tcp-request content' rules are not allowed in a defaults section/,
    );
    expect(failure('frontend f\n  tcp-request content frobnicate\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });
});

describe('TLS ClientHello reading', () => {
  it('finds the SNI and ALPN of a real ClientHello, and waits on a partial one', async () => {
    // A plain TCP server records the first bytes a real TLS client sends.
    const hello = await new Promise<Buffer>((resolve) => {
      const server = createNetServer((s) =>
        s.once('data', (d: Buffer) => {
          resolve(d);
          s.destroy();
          server.close();
        }),
      );
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port;
        tlsConnect({ port, host: '127.0.0.1', servername: 'app.example', ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false }).on('error', () => {});
      });
    });
    expect(readClientHello(hello)).toMatchObject({ helloType: 1, sni: 'app.example', alpn: ['h2', 'http/1.1'] });
    expect(readRecordHead(hello)).toMatchObject({ helloType: 1 });
    expect(readClientHello(hello.subarray(0, 40))).toBe('partial');
    expect(readClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('none');
  });
});

describe('PROXY protocol', () => {
  const a = { srcAddr: '192.0.2.1', srcPort: 40000, dstAddr: '198.51.100.2', dstPort: 443 };
  it('writes v1 and v2 headers that read back', () => {
    expect(proxyHeaderV1(a).toString()).toBe('PROXY TCP4 192.0.2.1 198.51.100.2 40000 443\r\n');
    expect(readProxyHeader(proxyHeaderV1(a))).toEqual({ addresses: a, consumed: 45 });
    const v2 = proxyHeaderV2(a);
    expect(v2.length).toBe(28);
    expect(readProxyHeader(v2)).toEqual({ addresses: a, consumed: 28 });
  });
  it('writes IPv6 and mapped addresses', () => {
    const six = { srcAddr: '2001:db8::1', srcPort: 1, dstAddr: '::ffff:127.0.0.1', dstPort: 2 };
    expect(proxyHeaderV1(six).toString()).toBe('PROXY TCP6 2001:db8::1 ::ffff:127.0.0.1 1 2\r\n');
    const r = readProxyHeader(proxyHeaderV2(six));
    expect(r).not.toBe('invalid');
    expect(typeof r === 'object' && r.addresses?.srcAddr).toBe('2001:db8:0:0:0:0:0:1');
  });
  it('waits for a partial header and refuses garbage', () => {
    expect(readProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'))).toBe('partial');
    expect(readProxyHeader(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('invalid');
    expect(readProxyHeader(Buffer.from('PROXY TCP4 999.1.1.1 1.1.1.1 1 2\r\n'))).toBe('invalid');
  });
});

describe('a server without a port in TCP mode', () => {
  it('connects to the port the client connected to, as HAProxy does', async () => {
    const { startProxyFromFile } = await import('../../src/proxy/index.js');
    const { haproxyAvailability, startHaproxy } = await import('./support/haproxy-process.js');
    const { freePort } = await import('./support/echo-servers.js');
    const { runTcpClient } = await import('./support/tcp-servers.js');
    const { createServer } = await import('node:net');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const port = await freePort();
    // The server listens on another loopback address, on the frontend's port.
    // A readiness probe's connection reaches this server too and is reset: ignore that.
    const server = createServer((s) => s.on('error', () => {}).on('data', (d) => s.end(Buffer.concat([Buffer.from('[same-port]'), d]))));
    await new Promise<void>((r) => server.listen(port, '127.0.0.2', () => r()));
    const file = join(mkdtempSync(join(tmpdir(), 'docklab-portless-')), 'h.cfg');
    writeFileSync(
      file,
      `defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  server s 127.0.0.2\n`,
    );
    const seen: string[] = [];
    try {
      const kinds = haproxyAvailability().available ? (['haproxy', 'docklab'] as const) : (['docklab'] as const);
      for (const kind of kinds) {
        const stop =
          kind === 'haproxy'
            ? (await startHaproxy(file, port)).stop
            : await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} }).then((p) => () => p.close());
        try {
          seen.push((await runTcpClient(port, { chunks: [Buffer.from('hi')] })).received.toString());
        } finally {
          await stop();
        }
      }
    } finally {
      server.close();
    }
    expect(seen.every((s) => s === '[same-port]hi')).toBe(true);
    expect(failure(`backend b\n  mode tcp\n  server s 127.0.0.2 check\n`).message).toMatch(
      /^haproxy\.cfg:3: backend 'b': server 's' has neither service port nor check port/,
    );
    expect(failure('backend b\n  mode http\n  server s 127.0.0.2\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });
});
