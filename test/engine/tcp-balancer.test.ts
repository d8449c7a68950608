import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createConnection, type Connection } from 'mysql2/promise';
import { engineOrSkip } from './engine-gate.js';
import { labelsFor, newRunId } from '../../src/engine/labels.js';
import { tearDown } from '../../src/engine/teardown.js';
import { ensureImage } from '../../src/images/provisioner.js';
import { startProxyFromFile, type RunningProxy } from '../../src/proxy/index.js';
import { freePort } from '../proxy/support/echo-servers.js';

/**
 * Lab 0 in layer 4: a MariaDB container (the mysql:latest stand-in) behind
 * docklab's balancer in `mode tcp` with `option mysql-check`, reached with
 * the mysql2 client through the balancer. A second server that does not
 * listen must be marked DOWN by the check and never chosen.
 */
const engine = await engineOrSkip();
const run = newRunId();
const ROOT_PASSWORD = 'docklab-root';

interface StatsRow { svname: string; status: string; check_status: string; stot: string }

async function statsRows(port: number): Promise<StatsRow[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/stats;csv`)).text();
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.replace(/^# /, '').split(',');
  return lines
    .map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])) as unknown as StatsRow & { pxname: string })
    .filter((r) => r.pxname === 'db');
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`${what}: gave up after ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!engine)('MariaDB behind the TCP balancer with option mysql-check', () => {
  let proxy: RunningProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    await tearDown(engine!.docker, { runs: [run] });
  });

  it('checks the database with mysql-check and carries mysql2 sessions through the balancer', { timeout: 240_000 }, async () => {
    const docker = engine!.docker;
    await ensureImage(docker, 'mysql:latest');
    const container = await docker.createContainer({
      name: `docklab-test-${run}-mysql`,
      Image: 'mysql:latest',
      Env: [`MYSQL_ROOT_PASSWORD=${ROOT_PASSWORD}`, 'MYSQL_DATABASE=lab'],
      Labels: labelsFor({ lab: 'test', run }),
      HostConfig: { PortBindings: { '3306/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      ExposedPorts: { '3306/tcp': {} },
    });
    await container.start();
    const info = await container.inspect();
    const dbPort = Number(info.NetworkSettings.Ports['3306/tcp']![0]!.HostPort);

    // The check logs in as a password-less user, as HAProxy's documentation asks.
    await until('MariaDB accepting root', 120_000, async () => {
      const c = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root', password: ROOT_PASSWORD, database: 'lab' });
      await c.query("CREATE USER IF NOT EXISTS 'haproxy'@'%'");
      await c.end();
      return true;
    });

    const [fePort, statsPort, downPort] = [await freePort(), await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'docklab-tcp-balancer-'));
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(cfg, `global
  maxconn 100
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend mysql
  bind 127.0.0.1:${fePort}
  default_backend db
backend db
  balance roundrobin
  option mysql-check user haproxy post-41
  server down 127.0.0.1:${downPort} check inter 500 fall 1 rise 1
  server mariadb 127.0.0.1:${dbPort} check inter 500 fall 1 rise 1
listen stats
  mode http
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`);
    proxy = await startProxyFromFile(cfg, { onLog: () => {}, onWarning: () => {} });

    const rows = await until('the check marking mariadb UP and the other DOWN', 30_000, async () => {
      const r = await statsRows(statsPort);
      const byName = Object.fromEntries(r.map((x) => [x.svname, x]));
      return byName.mariadb?.status === 'UP' && byName.down?.status === 'DOWN' ? byName : undefined;
    });
    // The mysql handshake was read (layer 7), the other server refused the connection (layer 4).
    expect(rows.mariadb!.check_status).toMatch(/^(L7OK|Layer7 check passed)/);
    expect(rows.down!.check_status).toMatch(/^(L4CON|Layer4 connection problem)/);

    // Several sessions in a row: all must reach the database, none the dead server.
    for (let i = 0; i < 4; i++) {
      const c: Connection = await createConnection({ host: '127.0.0.1', port: fePort, user: 'root', password: ROOT_PASSWORD, database: 'lab' });
      try {
        await c.query('CREATE TABLE IF NOT EXISTS visits (n INT)');
        await c.query('INSERT INTO visits VALUES (?)', [i]);
        const [result] = await c.query('SELECT COUNT(*) AS n, VERSION() AS v FROM visits');
        const row = (result as { n: number; v: string }[])[0]!;
        expect(Number(row.n)).toBe(i + 1);
        expect(row.v).toMatch(/MariaDB/);
      } finally {
        await c.end();
      }
    }
    const after = Object.fromEntries((await statsRows(statsPort)).map((x) => [x.svname, x]));
    expect(Number(after.mariadb!.stot)).toBe(4);
    expect(Number(after.down!.stot)).toBe(0);
  });
});
