import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type Docker from 'dockerode';
import { createConnection, type Connection } from 'mysql2/promise';
import { engineOrSkip } from './engine-gate.js';
import { labelsFor, newRunId } from '../../src/engine/labels.js';
import { tearDown } from '../../src/engine/teardown.js';
import { ensureImage } from '../../src/images/provisioner.js';
import { PROXY_CONFIG_PATH, ensureProxyImage } from '../../src/images/proxy-image.js';

/**
 * Lab 0 in layer 4: a MariaDB container (the mysql:latest stand-in) behind
 * docklab's balancer in `mode tcp` with `option mysql-check`, reached with
 * the mysql2 client through the balancer. The balancer runs as lab 0 runs it
 * with `--lb docklab`: the docklab/l7-proxy image, the configuration mounted
 * at HAProxy's path, on a network it shares with the database, which it
 * reaches by container name. A second server that does not listen must be
 * marked DOWN by the check and never chosen.
 */
const engine = await engineOrSkip();
const run = newRunId();
const ROOT_PASSWORD = 'docklab-root';

interface StatsRow {
  svname: string;
  status: string;
  check_status: string;
  stot: string;
}

async function statsRows(port: number): Promise<StatsRow[]> {
  // Bounded: a request that reached the published port before the balancer listened must not hang the wait.
  const text = await (await fetch(`http://127.0.0.1:${port}/stats;csv`, { signal: AbortSignal.timeout(3000) })).text();
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
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: gave up after ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The host port Docker published for a container port. */
async function published(container: Docker.Container, port: string): Promise<number> {
  const info = await container.inspect();
  return Number(info.NetworkSettings.Ports[port]![0]!.HostPort);
}

describe.skipIf(!engine)('MariaDB behind the TCP balancer (the docklab/l7-proxy image) with option mysql-check', () => {
  afterAll(async () => {
    await tearDown(engine!.docker, { runs: [run] });
  });

  // Up to 600 s: the first run after a change in dist/ builds the balancer image.
  it('checks the database with mysql-check and carries mysql2 sessions through the balancer', { timeout: 600_000 }, async () => {
    const docker = engine!.docker;
    const [proxyImage] = await Promise.all([ensureProxyImage(docker), ensureImage(docker, 'mysql:latest')]);
    const network = `docklab-test-${run}-net`;
    await docker.createNetwork({ Name: network, Labels: labelsFor({ lab: 'test', run }) });
    const dbName = `docklab-test-${run}-mysql`;
    const container = await docker.createContainer({
      name: dbName,
      Image: 'mysql:latest',
      Env: [`MYSQL_ROOT_PASSWORD=${ROOT_PASSWORD}`, 'MYSQL_DATABASE=lab'],
      Labels: labelsFor({ lab: 'test', run }),
      HostConfig: { NetworkMode: network, PortBindings: { '3306/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      ExposedPorts: { '3306/tcp': {} },
    });
    await container.start();
    const dbPort = await published(container, '3306/tcp');

    // The check logs in as a password-less user, as HAProxy's documentation asks.
    await until('MariaDB accepting root', 120_000, async () => {
      const c = await createConnection({ host: '127.0.0.1', port: dbPort, user: 'root', password: ROOT_PASSWORD, database: 'lab' });
      await c.query("CREATE USER IF NOT EXISTS 'haproxy'@'%'");
      await c.end();
      return true;
    });

    const dir = mkdtempSync(join(tmpdir(), 'docklab-tcp-balancer-'));
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      `global
  maxconn 100
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend mysql
  bind :3306
  default_backend db
backend db
  balance roundrobin
  option mysql-check user haproxy post-41
  server down 127.0.0.1:9 check inter 500 fall 1 rise 1
  server mariadb ${dbName}:3306 check inter 500 fall 1 rise 1
listen stats
  mode http
  bind :8404
  stats enable
  stats uri /stats
`,
    );
    chmodSync(dir, 0o755);
    chmodSync(cfg, 0o644);
    const balancer = await docker.createContainer({
      name: `docklab-test-${run}-balancer`,
      Image: proxyImage,
      Labels: labelsFor({ lab: 'test', run }),
      ExposedPorts: { '3306/tcp': {}, '8404/tcp': {} },
      HostConfig: {
        NetworkMode: network,
        Binds: [`${cfg}:${PROXY_CONFIG_PATH}:ro`],
        PortBindings: { '3306/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '8404/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
    });
    await balancer.start();
    const fePort = await published(balancer, '3306/tcp');
    const statsPort = await published(balancer, '8404/tcp');

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
