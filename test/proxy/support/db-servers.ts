import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './echo-servers.js';
import { waitForPort } from './haproxy-process.js';

/**
 * Real database servers from Debian's packages, each started on 127.0.0.1 on
 * a free port with a private data folder, and restartable on the same port.
 * Servers that refuse to run as root run as their package's system user.
 */
export interface DbServer {
  readonly name: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops and removes the data folder. */
  destroy(): Promise<void>;
}

const PG_BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(join(d, 'postgres')));

export const DB_BINARIES = {
  redis: '/usr/bin/redis-server',
  mariadb: '/usr/sbin/mariadbd',
  mariadbInstall: '/usr/bin/mariadb-install-db',
  postgres: PG_BIN ? join(PG_BIN, 'postgres') : '/usr/lib/postgresql/15/bin/postgres',
  initdb: PG_BIN ? join(PG_BIN, 'initdb') : '/usr/lib/postgresql/15/bin/initdb',
};

const isRoot = () => process.getuid?.() === 0;

function userIds(user: string): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** A command run as `user` when we are root (servers that refuse root), else as ourselves. */
function asUser(user: string, cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
}

function privateDir(prefix: string, owner?: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (owner && isRoot()) {
    const ids = userIds(owner);
    if (ids) chownSync(dir, ids.uid, ids.gid);
  }
  return dir;
}

class ProcessServer implements DbServer {
  private child: ChildProcess | undefined;
  private log = '';
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly dir: string,
    private readonly command: () => [string, string[]],
  ) {}

  async start(): Promise<void> {
    const [cmd, args] = this.command();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${this.name} exited (${code}): ${this.log.slice(-2000)}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(this.port, 60_000), exited]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function createRedis(): Promise<DbServer> {
  const port = await freePort();
  const dir = privateDir('docklab-redis-');
  return new ProcessServer('redis', port, dir, () => [
    DB_BINARIES.redis,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
  ]);
}

/** MariaDB with a user `haproxy`@127.0.0.1 without password (what `mysql-check user haproxy` logs in as). */
export async function createMariadb(): Promise<DbServer> {
  const port = await freePort();
  const dir = privateDir('docklab-mariadb-', 'mysql');
  const data = join(dir, 'data');
  const user = isRoot() ? ['--user=mysql'] : [];
  const init = spawnSync(
    DB_BINARIES.mariadbInstall,
    ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stdout}${init.stderr}`);
  const initFile = join(dir, 'init.sql');
  writeFileSync(initFile, "CREATE USER IF NOT EXISTS 'haproxy'@'127.0.0.1';\n");
  chmodSync(initFile, 0o644);
  return new ProcessServer('mariadb', port, dir, () => [
    DB_BINARIES.mariadb,
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...user,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      `--init-file=${initFile}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=8M',
      '--log-error=' + join(dir, 'error.log'),
    ],
  ]);
}

/** PostgreSQL where the role `postgres` logs in without password over TCP and every other role is rejected by pg_hba. */
export async function createPostgres(): Promise<DbServer> {
  const port = await freePort();
  const dir = privateDir('docklab-pg-', 'postgres');
  const data = join(dir, 'data');
  const [cmd, args] = asUser('postgres', DB_BINARIES.initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const init = spawnSync(cmd, args, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  // Only the role postgres may log in over TCP: any other role is refused before authentication.
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n');
  return new ProcessServer('postgres', port, dir, () =>
    asUser('postgres', DB_BINARIES.postgres, [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'shared_buffers=8MB',
    ]),
  );
}

/** Which real servers can run here; in CI a missing one is an error. */
export function missingDbBinaries(): string[] {
  return Object.entries(DB_BINARIES)
    .filter(([, path]) => !existsSync(path))
    .map(([name, path]) => `${name} (${path})`);
}
