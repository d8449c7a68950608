import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { checkProgram } from '../../src/proxy/config/check-parser.js';
import { runCustomExpect } from '../../src/proxy/health/custom-expects.js';
import { freePort } from './support/echo-servers.js';
import { haproxyAvailability, startHaproxy } from './support/haproxy-process.js';
import { makeCertificate } from './support/tcp-servers.js';
import { createMariadb, createPostgres, createRedis, missingDbBinaries, type DbServer } from './support/db-servers.js';

/*
 * Health checks of TCP backends, run by real HAProxy and by docklab on the
 * same configuration: the bytes each sends to the server (recorded by a
 * stand-in server), the UP/DOWN decision each takes for the same answers
 * (read from each one's stats CSV), and the canned protocol checks against
 * real Redis, MariaDB and PostgreSQL servers going down and coming back.
 */

const hp = haproxyAvailability();
const dbMissing = missingDbBinaries();
if (dbMissing.length && process.env.CI === 'true')
  throw new Error(
    `database servers missing, the TCP health-check suite must run in CI: ${dbMissing.join(', ')} (install mariadb-server, postgresql, redis-server)`,
  );
const dbMessage = dbMissing.length
  ? `TCP health checks against real servers skipped: missing ${dbMissing.join(', ')} (install mariadb-server, postgresql, redis-server)`
  : undefined;
if (!hp.available) console.warn(hp.message);
else if (dbMessage) console.warn(dbMessage);

const dir = mkdtempSync(join(tmpdir(), 'docklab-tcp-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in server: optional banner, then `reply(chunk, all)` for each chunk it receives; keeps what each connection sent. */
interface ScriptServer {
  port: number;
  conns: Buffer[];
  close(): Promise<void>;
}
/** What to answer to a chunk; `{ data, close: true }` answers then closes. */
type Reply = (chunk: Buffer, all: Buffer) => Buffer | string | { data: string; close: true } | undefined;

async function scriptServer(banner?: Buffer | string, reply?: Reply): Promise<ScriptServer> {
  const conns: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    const idx = conns.push(Buffer.alloc(0)) - 1;
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    if (banner !== undefined) s.write(banner);
    s.on('data', (d: Buffer) => {
      conns[idx] = Buffer.concat([conns[idx]!, d]);
      const out = reply?.(d, conns[idx]!);
      if (out === undefined || s.destroyed) return;
      if (typeof out === 'object' && !Buffer.isBuffer(out)) s.end(out.data);
      else s.write(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const hex = (h: string) => Buffer.from(h, 'hex');

function configText(options: string, server: string, statsPort: number, serverOpts = 'check inter 200 rise 2 fall 2'): string {
  return `defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
  timeout check 500ms
listen st
  mode http
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /st
backend b
${options
  .split('\n')
  .map((l) => `  ${l.trim()}`)
  .join('\n')}
  server s1 ${server} ${serverOpts}
`;
}

interface Running {
  kind: 'haproxy' | 'docklab';
  statsPort: number;
  stop(): Promise<void>;
}

let fileSeq = 0;
async function startOne(kind: Running['kind'], cfg: (statsPort: number) => string): Promise<Running> {
  const statsPort = await freePort();
  const file = join(dir, `${kind}-${++fileSeq}.cfg`);
  writeFileSync(file, cfg(statsPort));
  if (kind === 'haproxy') {
    const p = await startHaproxy(file, statsPort);
    return { kind, statsPort, stop: p.stop };
  }
  const p = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
  return { kind, statsPort, stop: () => p.close() };
}

function getText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The server's status word in the stats CSV (`UP`, `DOWN`; transitions such as `UP 1/2` count as their first word). */
async function serverStatus(r: Running, backend = 'b', server = 's1'): Promise<string> {
  const csv = await getText(r.statsPort, '/st;csv');
  const lines = csv.split('\n');
  const head = lines[0]!.replace(/^# /, '').split(',');
  const col = head.indexOf('status');
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    if (f[0] === backend && f[1] === server) return (f[col] ?? '').split(' ')[0]!;
  }
  throw new Error(`${r.kind}: no ${backend}/${server} in stats:\n${csv}`);
}

/** Waits until the server shows `want` (or the time is up) and returns what it shows then. */
async function settle(r: Running, want: string, ms = 4000): Promise<string> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    last = await serverStatus(r);
    if (last === want) {
      // Stay a little to see that the state holds (a transition would show on the next checks).
      await new Promise((res) => setTimeout(res, 1000));
      return serverStatus(r);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return last;
}

/** Both proxies on one configuration against the same server(s); returns the state each settled on. */
async function decide(options: string, server: string, want: 'UP' | 'DOWN', serverOpts?: string): Promise<{ haproxy: string; docklab: string }> {
  const a = await startOne('haproxy', (p) => configText(options, server, p, serverOpts));
  const b = await startOne('docklab', (p) => configText(options, server, p, serverOpts));
  try {
    const [haproxy, docklab] = await Promise.all([settle(a, want), settle(b, want)]);
    return { haproxy, docklab };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

/** The bytes the first check connection of each proxy carried, each against its own stand-in server. */
async function capture(
  options: string,
  banner?: Buffer | string,
  reply?: Reply,
  serverOpts = '',
): Promise<{ haproxy: Buffer; docklab: Buffer; ports: number[] }> {
  const out: Buffer[] = [];
  const ports: number[] = [];
  for (const kind of ['haproxy', 'docklab'] as const) {
    const srv = await scriptServer(banner, reply);
    const r = await startOne(kind, (p) => configText(options, `127.0.0.1:${srv.port}`, p, `check inter 300 rise 1 fall 1 ${serverOpts}`));
    const until = Date.now() + 3000;
    // The first connection is complete once a second one has started (checks run one after the other).
    while (srv.conns.length < 2 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    await r.stop();
    await srv.close();
    out.push(srv.conns[0] ?? Buffer.alloc(0));
    ports.push(srv.port);
  }
  return { haproxy: out[0]!, docklab: out[1]!, ports };
}

const mysqlGreeting = () => {
  const payload = Buffer.concat([hex('0a'), Buffer.from('10.11.6-MariaDB\0'), hex('0100000041414141414141410000ff'), Buffer.alloc(20)]);
  return Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]);
};
const mysqlOk = hex('0700000200000002000000');
const mysqlErr = (seq: number) => {
  const p = Buffer.concat([hex('ff1504'), Buffer.from('#28000Access denied')]);
  return Buffer.concat([Buffer.from([p.length, 0, 0, seq]), p]);
};

describe.skipIf(!hp.available)('TCP health checks: bytes sent, HAProxy vs docklab', () => {
  it('redis-check sends a RESP PING', async () => {
    const c = await capture('option redis-check', undefined, () => '+PONG\r\n');
    expect(c.docklab.toString('latin1')).toBe('*1\r\n$4\r\nPING\r\n');
    expect(c.docklab.toString('hex')).toBe(c.haproxy.toString('hex'));
  }, 20000);

  it('mysql-check without user sends nothing; with user the 4.1 login (default and post-41) and pre-41 login, each with COM_QUIT', async () => {
    for (const opt of [
      'option mysql-check',
      'option mysql-check user haproxy',
      'option mysql-check user haproxy post-41',
      'option mysql-check user someone pre-41',
    ]) {
      const c = await capture(opt, mysqlGreeting(), (_d, all) => (all.length > 4 ? mysqlOk : undefined));
      expect(c.docklab.toString('hex'), opt).toBe(c.haproxy.toString('hex'));
      if (opt.includes('user')) expect(c.docklab.length, opt).toBeGreaterThan(10);
    }
  }, 60000);

  it('pgsql-check sends a v3 startup packet with the user', async () => {
    const c = await capture('option pgsql-check user haproxy', undefined, () => hex('520000000800000000'));
    expect(c.docklab.toString('hex')).toBe('00000016000300007573657200686170726f78790000');
    expect(c.docklab.toString('hex')).toBe(c.haproxy.toString('hex'));
  }, 20000);

  it('smtpchk sends HELO localhost (or the given EHLO) then QUIT, each after a 2xx reply', async () => {
    for (const opt of ['option smtpchk', 'option smtpchk EHLO mail.example.org']) {
      const c = await capture(opt, '220 stand-in ESMTP\r\n', (d) => (d.toString().startsWith('QUIT') ? '221 bye\r\n' : '250 hello\r\n'));
      expect(c.docklab.toString('latin1'), opt).toBe(opt.includes('EHLO') ? 'EHLO mail.example.org\r\nQUIT\r\n' : 'HELO localhost\r\nQUIT\r\n');
      expect(c.docklab.toString('hex'), opt).toBe(c.haproxy.toString('hex'));
    }
  }, 40000);

  it('ssl-hello-chk sends the SSLv3 ClientHello with the current time in gmt_unix_time', async () => {
    const c = await capture('option ssl-hello-chk', undefined, () => hex('15030000020228'));
    expect(c.docklab.length).toBe(0x79 + 5);
    const mask = (b: Buffer) => {
      const x = Buffer.from(b);
      x.fill(0, 11, 15);
      return x.toString('hex');
    };
    expect(mask(c.docklab)).toBe(mask(c.haproxy));
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(c.docklab.readUInt32BE(11) - now)).toBeLessThan(30);
    expect(Math.abs(c.haproxy.readUInt32BE(11) - now)).toBeLessThan(30);
  }, 20000);

  it('ldap-check sends an anonymous LDAPv3 bind request', async () => {
    const c = await capture('option ldap-check', undefined, () => hex('300c02010161070a010004000400'));
    expect(c.docklab.toString('hex')).toBe('300c020101600702010304008000');
    expect(c.docklab.toString('hex')).toBe(c.haproxy.toString('hex'));
  }, 20000);

  it('tcp-check send, send-binary, send-lf, send-binary-lf and connect send-proxy in sequence', async () => {
    const opts = `option tcp-check
      tcp-check comment "greeting first"
      tcp-check connect send-proxy
      tcp-check expect string hello
      tcp-check send "PING\\r\\n"
      tcp-check expect rstring ^\\+OK
      tcp-check send-binary 0a0b00ff
      tcp-check expect binary 2b4f4b
      tcp-check send-lf "a%[str(xy)]b%[str(pq),upper]\\r\\n"
      tcp-check send-binary-lf "41%[str(BC),hex]44"
      tcp-check expect string +OK`;
    const c = await capture(opts, 'hello\r\n', () => '+OK\r\n');
    // The PROXY line names the check connection's own ends: its local port, then the server's port.
    const maskPorts = (b: Buffer, serverPort: number) =>
      b.toString('latin1').replace(new RegExp(`^(PROXY TCP4 \\S+ \\S+ )\\d+ ${serverPort}\r\n`), '$1SRC DST\r\n');
    expect(maskPorts(c.docklab, c.ports[1]!)).toBe('PROXY TCP4 127.0.0.1 127.0.0.1 SRC DST\r\nPING\r\n\x0a\x0b\x00\xffaxybPQ\r\nABCD');
    expect(maskPorts(c.docklab, c.ports[1]!)).toBe(maskPorts(c.haproxy, c.ports[0]!));
  }, 20000);
});

describe.skipIf(!hp.available)('TCP health checks: the PROXY protocol on check connections', () => {
  const maskPorts = (b: Buffer, serverPort: number) =>
    b.toString('latin1').replace(new RegExp(`^(PROXY TCP4 \\S+ \\S+ )\\d+ ${serverPort}\r\n`), '$1SRC DST\r\n');
  for (const [serverOpts, want] of [
    ['send-proxy', 'PROXY TCP4 127.0.0.1 127.0.0.1 SRC DST\r\nhi'],
    ['check-send-proxy', 'PROXY TCP4 127.0.0.1 127.0.0.1 SRC DST\r\nhi'],
    ['send-proxy-v2', '\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00hi'],
  ] as const) {
    it(`server ${serverOpts}: the check starts with the same PROXY header`, async () => {
      const c = await capture('option tcp-check\ntcp-check send hi', undefined, undefined, serverOpts);
      expect(maskPorts(c.docklab, c.ports[1]!)).toBe(want);
      expect(maskPorts(c.docklab, c.ports[1]!)).toBe(maskPorts(c.haproxy, c.ports[0]!));
    }, 20000);
  }
});

describe.skipIf(!hp.available)('TCP health checks: same UP/DOWN decision as HAProxy on the same answers', () => {
  const servers: ScriptServer[] = [];
  let tlsPort = 0;
  let tlsClose: () => Promise<void> = async () => {};
  const add = async (banner?: Buffer | string, reply?: Reply) => {
    const s = await scriptServer(banner, reply);
    servers.push(s);
    return `127.0.0.1:${s.port}`;
  };
  beforeAll(async () => {
    const { cert, key } = makeCertificate(dir, 'hello.test');
    const tls = createTlsServer({ cert, key }, (s) => {
      s.on('error', () => {});
      s.end('hello\r\n');
    });
    tls.on('tlsClientError', () => {});
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    tlsPort = (tls.address() as AddressInfo).port;
    tlsClose = () => new Promise<void>((r) => tls.close(() => r()));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await tlsClose();
  });

  const cases: [string, string, () => Promise<string>, 'UP' | 'DOWN'][] = [
    ['redis +PONG', 'option redis-check', () => add(undefined, () => '+PONG\r\n'), 'UP'],
    ['redis -ERR', 'option redis-check', () => add(undefined, () => '-NOAUTH Authentication required.\r\n'), 'DOWN'],
    ['mysql greeting', 'option mysql-check', () => add(mysqlGreeting()), 'UP'],
    ['mysql error greeting', 'option mysql-check', () => add(mysqlErr(0)), 'DOWN'],
    ['mysql login ok', 'option mysql-check user haproxy', () => add(mysqlGreeting(), (_d, all) => (all.length > 4 ? mysqlOk : undefined)), 'UP'],
    ['mysql login refused', 'option mysql-check user haproxy', () => add(mysqlGreeting(), (_d, all) => (all.length > 4 ? mysqlErr(2) : undefined)), 'DOWN'],
    ['pgsql auth ok', 'option pgsql-check user haproxy', () => add(undefined, () => hex('520000000800000000')), 'UP'],
    ['pgsql SASL request', 'option pgsql-check user haproxy', () => add(undefined, () => hex('52000000170000000A534352414D2D5348412D3235360000')), 'UP'],
    ['pgsql kerberos (type 2)', 'option pgsql-check user haproxy', () => add(undefined, () => hex('520000000800000002')), 'UP'],
    ['pgsql error', 'option pgsql-check user haproxy', () => add(undefined, () => hex('450000000B53464154414C00')), 'DOWN'],
    ['pgsql auth type 8 (unknown)', 'option pgsql-check user haproxy', () => add(undefined, () => hex('520000000800000008')), 'DOWN'],
    ['smtp 220/250/221', 'option smtpchk', () => add('220 ok\r\n', (d) => (d.toString().startsWith('QUIT') ? '221 bye\r\n' : '250 hi\r\n')), 'UP'],
    ['smtp 554 banner', 'option smtpchk', () => add('554 go away\r\n', () => '250 hi\r\n'), 'DOWN'],
    ['smtp QUIT refused', 'option smtpchk', () => add('220 ok\r\n', (d) => (d.toString().startsWith('QUIT') ? '500 no\r\n' : '250 hi\r\n')), 'DOWN'],
    ['ssl-hello against TLS', 'option ssl-hello-chk', async () => `127.0.0.1:${tlsPort}`, 'UP'],
    ['ssl-hello against plain text', 'option ssl-hello-chk', () => add(undefined, () => 'HTTP/1.1 400 Bad Request\r\n\r\n'), 'DOWN'],
    ['ldap bind success', 'option ldap-check', () => add(undefined, () => hex('300c02010161070a010004000400')), 'UP'],
    ['ldap bind refused (49)', 'option ldap-check', () => add(undefined, () => hex('300c02010161070a013104000400')), 'DOWN'],
    [
      'tcp-check expect after send sees only the new answer',
      'option tcp-check\ntcp-check expect string hello\ntcp-check send x\ntcp-check expect string hello',
      () => add('hello\r\n', () => 'other\r\n'),
      'DOWN',
    ],
    ['tcp-check negated expect', 'option tcp-check\ntcp-check send PING\ntcp-check expect ! string ERR', () => add(undefined, () => 'ERR busy\r\n'), 'DOWN'],
    [
      'tcp-check negated expect passes once the server closed',
      'option tcp-check\ntcp-check send PING\ntcp-check expect ! string ERR',
      () => add(undefined, () => ({ data: 'OK\r\n', close: true })),
      'UP',
    ],
    [
      'tcp-check negated expect waits for more while the server stays open (timeout check)',
      'option tcp-check\ntcp-check send PING\ntcp-check expect ! string ERR',
      () => add(undefined, () => 'OK\r\n'),
      'DOWN',
    ],
    [
      'regression: with min-recv, a mismatch on enough bytes is final (no wait for more)',
      'option tcp-check\ntcp-check send PING\ntcp-check expect min-recv 2 ! string ERR',
      () => add(undefined, () => 'OK\r\n'),
      'UP',
    ],
    [
      'tcp-check min-recv waits for enough bytes',
      'option tcp-check\ntcp-check send PING\ntcp-check expect min-recv 10 string OK',
      () => add(undefined, () => 'OK\r\n'),
      'DOWN',
    ],
    [
      'regression: a server closing without a byte fails even a negated expect',
      'option tcp-check\ntcp-check send PING\ntcp-check expect ! string ERR',
      () => add(undefined, () => ({ data: '', close: true })),
      'DOWN',
    ],
    ['tcp-check rbinary', 'option tcp-check\ntcp-check send-binary 01\ntcp-check expect rbinary ^0[0-9]FF', () => add(undefined, () => hex('07ff')), 'UP'],
    ['tcp-check silent server times out (timeout check)', 'option tcp-check\ntcp-check expect string hello', () => add(), 'DOWN'],
    [
      'tcp-check connect ssl to a TLS server',
      'option tcp-check\ntcp-check connect ssl\ntcp-check expect string hello',
      async () => `127.0.0.1:${tlsPort}`,
      'UP',
    ],
    ['tcp-check connect ssl to a plain server', 'option tcp-check\ntcp-check connect ssl\ntcp-check expect string hello', () => add('hello\r\n'), 'DOWN'],
    ['tcp-check connect to another port', 'option tcp-check\ntcp-check connect port @P2\ntcp-check expect string yes', () => add(), 'UP'],
  ];

  for (const [name, options, make, want] of cases) {
    it(`${name}: ${want} with both`, async () => {
      const server = await make();
      let opts = options;
      if (opts.includes('@P2')) {
        const other = await add('yes\r\n');
        opts = opts.replace('@P2', other.split(':')[1]!);
      }
      const got = await decide(opts, server, want, opts.includes('connect ssl') ? 'check inter 200 rise 2 fall 2 verify none' : undefined);
      expect(got).toEqual({ haproxy: want, docklab: want });
    }, 30000);
  }
});

describe.skipIf(!hp.available || dbMissing.length > 0)('TCP health checks against real Redis, MariaDB and PostgreSQL (Debian packages)', () => {
  const dbs: DbServer[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.destroy()));
  });

  /** UP with both, stopped → DOWN with both, started again → UP with both. */
  async function upDownUp(db: DbServer, options: string): Promise<void> {
    const cfg = (p: number) => configText(options, `127.0.0.1:${db.port}`, p);
    const a = await startOne('haproxy', cfg);
    const b = await startOne('docklab', cfg);
    try {
      expect({ haproxy: await settle(a, 'UP'), docklab: await settle(b, 'UP') }).toEqual({ haproxy: 'UP', docklab: 'UP' });
      await db.stop();
      expect({ haproxy: await settle(a, 'DOWN'), docklab: await settle(b, 'DOWN') }).toEqual({ haproxy: 'DOWN', docklab: 'DOWN' });
      await db.start();
      expect({ haproxy: await settle(a, 'UP', 8000), docklab: await settle(b, 'UP', 8000) }).toEqual({ haproxy: 'UP', docklab: 'UP' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }

  it('redis-check: redis-server up, stopped, started', async () => {
    const db = await createRedis();
    dbs.push(db);
    await db.start();
    await upDownUp(db, 'option redis-check');
  }, 90000);

  it('a TCP frontend routes by the check: to Redis while it is up, to the backup while it is down, with both', async () => {
    const db = await createRedis();
    dbs.push(db);
    await db.start();
    const backup = await scriptServer(undefined, () => '+BACKUP\r\n');
    const ports: Record<string, number> = {};
    const cfg = (kind: string) => (statsPort: number) =>
      configText('option redis-check', `127.0.0.1:${db.port}`, statsPort) +
      `  server bk 127.0.0.1:${backup.port} backup\nfrontend fe\n  bind 127.0.0.1:${ports[kind]}\n  default_backend b\n`;
    ports.haproxy = await freePort();
    ports.docklab = await freePort();
    const a = await startOne('haproxy', cfg('haproxy'));
    const b = await startOne('docklab', cfg('docklab'));
    const ask = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const c = connect({ host: '127.0.0.1', port }, () => c.write('*1\r\n$4\r\nPING\r\n'));
        let got = '';
        c.on('data', (d: Buffer) => {
          got += d.toString('latin1');
          if (got.endsWith('\r\n')) c.end();
        });
        c.on('close', () => resolve(got));
        c.on('error', reject);
      });
    try {
      await Promise.all([settle(a, 'UP'), settle(b, 'UP')]);
      expect({ haproxy: await ask(ports.haproxy), docklab: await ask(ports.docklab) }).toEqual({ haproxy: '+PONG\r\n', docklab: '+PONG\r\n' });
      await db.stop();
      await Promise.all([settle(a, 'DOWN'), settle(b, 'DOWN')]);
      expect({ haproxy: await ask(ports.haproxy), docklab: await ask(ports.docklab) }).toEqual({ haproxy: '+BACKUP\r\n', docklab: '+BACKUP\r\n' });
      await db.start();
      await Promise.all([settle(a, 'UP', 8000), settle(b, 'UP', 8000)]);
      expect({ haproxy: await ask(ports.haproxy), docklab: await ask(ports.docklab) }).toEqual({ haproxy: '+PONG\r\n', docklab: '+PONG\r\n' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await backup.close();
    }
  }, 90000);

  it('mysql-check (greeting) and mysql-check user haproxy (login): MariaDB up, stopped, started; an unknown user is DOWN with both', async () => {
    const db = await createMariadb();
    dbs.push(db);
    await db.start();
    await upDownUp(db, 'option mysql-check');
    await upDownUp(db, 'option mysql-check user haproxy');
    expect(await decide('option mysql-check user nosuchuser', `127.0.0.1:${db.port}`, 'DOWN')).toEqual({ haproxy: 'DOWN', docklab: 'DOWN' });
  }, 180000);

  it('pgsql-check user postgres: PostgreSQL up, stopped, started; an unknown role is DOWN with both', async () => {
    const db = await createPostgres();
    dbs.push(db);
    await db.start();
    await upDownUp(db, 'option pgsql-check user postgres');
    expect(await decide('option pgsql-check user nosuchrole', `127.0.0.1:${db.port}`, 'DOWN')).toEqual({ haproxy: 'DOWN', docklab: 'DOWN' });
  }, 120000);
});

describe('TCP health checks: parsing and protocol decoders', () => {
  const program = (opts: string) => {
    const cfg = `defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nbackend b\n${opts
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n  server s1 127.0.0.1:1 check\n`;
    const model = ConfigParser.parseText(cfg, 'h.cfg', { env: {} });
    return checkProgram(model.backends.find((x) => x.name === 'b')!.settings);
  };

  it('a canned option replaces option httpchk and the reverse', () => {
    expect(program('option httpchk\noption redis-check')!.kind).toBe('tcp');
    expect(program('option redis-check\noption httpchk')!.kind).toBe('http');
  });

  it('HAProxy refusals are config errors with file and line', () => {
    expect(() => program('option pgsql-check')).toThrow(/h\.cfg:7.*user <username>/);
    expect(() => program('option mysql-check user x post-42')).toThrow(/h\.cfg:7.*post-41.*pre-41/);
    expect(() => program('option redis-check extra')).toThrow(/h\.cfg:7/);
    expect(() => program('option tcp-check\ntcp-check send-lf "%[nosuchfetch]"')).toThrow(/h\.cfg:8/);
  });

  it('mysql: waits for a whole packet, fails on an error packet, reads the login answer after the greeting', () => {
    const g = mysqlGreeting().toString('latin1');
    expect(runCustomExpect('mysql-iniths', g.slice(0, 10), false).verdict).toBe('wait');
    expect(runCustomExpect('mysql-iniths', g.slice(0, 10), true).verdict).toBe('fail');
    expect(runCustomExpect('mysql-iniths', g, false).verdict).toBe('pass');
    expect(runCustomExpect('mysql-iniths', mysqlErr(0).toString('latin1'), false).verdict).toBe('fail');
    expect(runCustomExpect('mysql-ok', g, false).verdict).toBe('wait');
    expect(runCustomExpect('mysql-ok', g + mysqlOk.toString('latin1'), false).verdict).toBe('pass');
    expect(runCustomExpect('mysql-ok', g + mysqlErr(2).toString('latin1'), false).verdict).toBe('fail');
  });

  it('ldap: result code 0 passes, others and non-LDAP answers fail', () => {
    expect(runCustomExpect('ldap-bindrsp', hex('300c02010161070a010004000400').toString('latin1'), false).verdict).toBe('pass');
    expect(runCustomExpect('ldap-bindrsp', hex('300c02010161070a013104000400').toString('latin1'), false).verdict).toBe('fail');
    expect(runCustomExpect('ldap-bindrsp', hex('300c02010262070a010004000400').toString('latin1'), false).verdict).toBe('fail');
  });
});
