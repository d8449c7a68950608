import type Docker from 'dockerode';
import {
  containerName,
  containersOfImage,
  defineLab,
  envOf,
  fail,
  inspectContainersOfImage,
  mysqlQueryFrom,
  pass,
  passWith,
  waitUntil,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest, or the same image under another name. */
const MYSQL = ['mysql', 'mariadb'];
const DATA_DIR = '/var/lib/mysql';
const DATABASE = 'testdb';

/** The root password the learner gave the container, from its environment. */
function rootPassword(info: Docker.ContainerInspectInfo): string | undefined {
  const env = envOf(info);
  if (env.has('MYSQL_ROOT_PASSWORD')) return env.get('MYSQL_ROOT_PASSWORD');
  if (env.has('MARIADB_ROOT_PASSWORD')) return env.get('MARIADB_ROOT_PASSWORD');
  if (env.has('MYSQL_ALLOW_EMPTY_PASSWORD') || env.has('MARIADB_ALLOW_EMPTY_ROOT_PASSWORD')) return '';
  return undefined;
}

/**
 * Runs SQL as root with docklab's own client, over TCP from inside the
 * container's network namespace (the image needs no mysql client); rows
 * tab-separated, one a line, as the mysql client's batch mode prints them.
 */
async function mysqlQuery(ctx: CheckContext, containerId: string, sql: string) {
  const info = await ctx.docker.getContainer(containerId).inspect();
  const answer = await mysqlQueryFrom(ctx, containerId, { user: 'root', password: rootPassword(info) ?? '' }, sql, { multipleStatements: true });
  if (!answer.ok) return { exitCode: 1, stdout: '', stderr: answer.problem };
  const rows = answer.rows.every((r) => Array.isArray(r)) ? answer.rows : [];
  return { exitCode: 0, stdout: rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v))).join('\t')).join('\n'), stderr: '' };
}

/** The running mysql containers; the one with a volume at /var/lib/mysql first. */
async function runningMysql(ctx: CheckContext): Promise<Docker.ContainerInspectInfo[]> {
  const infos = await inspectContainersOfImage(ctx, MYSQL, { running: true });
  const score = (i: Docker.ContainerInspectInfo) => (dataMount(i)?.Type === 'volume' && !isAnonymous(dataMount(i)!.Name) ? 0 : 1);
  return infos.sort((a, b) => score(a) - score(b) || b.Created.localeCompare(a.Created));
}

function dataMount(info: Docker.ContainerInspectInfo) {
  return info.Mounts.find((m) => m.Destination === DATA_DIR);
}

function isAnonymous(name: string | undefined): boolean {
  return !name || /^[0-9a-f]{64}$/.test(name);
}

async function theContainer(ctx: CheckContext): Promise<Docker.ContainerInspectInfo> {
  const [first] = await runningMysql(ctx);
  return first ?? ctx.failWith('a running mysql container', 'none', 'docker run -d --name mysql-db -e MYSQL_ROOT_PASSWORD=... -v VOLUME:/var/lib/mysql mysql');
}

/** Waits until the server in the container answers a query. */
async function waitForServer(ctx: CheckContext, info: Docker.ContainerInspectInfo): Promise<void> {
  if (rootPassword(info) === undefined) {
    ctx.failWith(
      "the root password in the container's environment (MYSQL_ROOT_PASSWORD)",
      'neither MYSQL_ROOT_PASSWORD nor MYSQL_ALLOW_EMPTY_PASSWORD',
      'give the root password with -e MYSQL_ROOT_PASSWORD=...: docklab logs in as root with it',
    );
  }
  await waitUntil(
    {
      expected: 'the MySQL server to answer SELECT 1 as root',
      hint: 'a first start initialises the data folder and takes some seconds; docker logs shows how far it got',
      attempt: async () => {
        const r = await mysqlQuery(ctx, info.Id, 'SELECT 1').catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
        return r.exitCode === 0 ? { ok: true, value: undefined } : { ok: false, seen: r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}` };
      },
    },
    { timeoutMs: 90_000, intervalMs: 500, container: { docker: ctx.docker, id: info.Id } },
  );
}

/** A table of the test database that has rows. */
interface DataTable {
  table: string;
}

/** Finds a table with rows in the test database; hands on its name. */
const testDatabase: Check<DataTable> = {
  id: 'test-database',
  title: `The database ${DATABASE} exists and has a table with rows`,
  dependsOn: ['mysql-running'],
  timeoutMs: 120_000,
  run: async (ctx) => {
    const info = await theContainer(ctx);
    await waitForServer(ctx, info);
    const tables = await mysqlQuery(
      ctx,
      info.Id,
      `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='${DATABASE}' AND TABLE_TYPE='BASE TABLE'`,
    );
    const databases = (await mysqlQuery(ctx, info.Id, 'SHOW DATABASES')).stdout.trim().split('\n').filter(Boolean);
    if (!databases.includes(DATABASE)) {
      return fail(
        `a database ${DATABASE} in ${containerName(info)}`,
        `databases: ${databases.join(', ')}`,
        `create it (CREATE DATABASE ${DATABASE};) with the mysql client in the container: docker exec -it ${containerName(info)} mysql -uroot -p. Made it before? Then it was not on the volume this container uses`,
      );
    }
    const names = tables.stdout.trim().split('\n').filter(Boolean);
    const counts: string[] = [];
    for (const table of names) {
      const count = await mysqlQuery(ctx, info.Id, `SELECT COUNT(*) FROM \`${DATABASE}\`.\`${table.replace(/`/g, '``')}\``);
      counts.push(`${table}: ${count.stdout.trim()} rows`);
      if (Number(count.stdout.trim()) > 0) {
        return passWith({ table }, `${DATABASE}.${table} has ${count.stdout.trim()} rows`, counts);
      }
    }
    return fail(
      `a table with at least one row in ${DATABASE}`,
      names.length ? counts.join(', ') : 'no tables',
      'CREATE TABLE ... then INSERT a row or two: an empty database proves little',
    );
  },
};

export default defineLab({
  title: 'MySQL data on a named volume',
  summary: 'Keep a MySQL database on a named volume so that it outlives the container.',
  images: ['mysql:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'mysql-running',
      title: 'A mysql container is running',
      run: async (ctx) => {
        const running = await runningMysql(ctx);
        if (running.length === 0) {
          const all = await containersOfImage(ctx, MYSQL);
          return fail(
            'a running container from the mysql image',
            all.length
              ? `mysql containers that are not running: ${all.map((c) => `${containerName(c)} (${c.State})`).join(', ')}`
              : 'no container from the mysql image',
            'docker run -d --name mysql-db -e MYSQL_ROOT_PASSWORD=... -v VOLUME:/var/lib/mysql mysql; `docker logs` says why one stopped',
          );
        }
        return pass(running.map(containerName).join(', '));
      },
    },
    {
      id: 'named-volume',
      title: 'Its /var/lib/mysql is a named volume',
      dependsOn: ['mysql-running'],
      run: async (ctx) => {
        const info = await theContainer(ctx);
        const mount = dataMount(info);
        const expected = `a named volume mounted at ${DATA_DIR} of ${containerName(info)}`;
        if (!mount)
          return fail(
            expected,
            "nothing mounted there: the data lives in the container's own layer and goes with it",
            'docker volume create mysql-data, then run with -v mysql-data:/var/lib/mysql',
          );
        if (mount.Type === 'bind')
          return fail(
            expected,
            `a bind mount of the host folder ${mount.Source}`,
            'this task is about Docker volumes: docker volume create mysql-data, then -v mysql-data:/var/lib/mysql (a name, not a path)',
          );
        if (isAnonymous(mount.Name)) {
          return fail(
            expected,
            `an anonymous volume (${mount.Name?.slice(0, 12)}…), made for this one container because the image declares VOLUME ${DATA_DIR}`,
            'an anonymous volume belongs to one container: a new container gets a new, empty one, so the database is gone after docker rm. Name the volume: -v mysql-data:/var/lib/mysql',
          );
        }
        return pass(`volume ${mount.Name} at ${DATA_DIR}`);
      },
    },
    testDatabase,
    {
      id: 'outlived-container',
      title: 'The data was written before this container was made (it outlived an earlier one)',
      dependsOn: ['named-volume', testDatabase],
      run: async (ctx) => {
        const info = await theContainer(ctx);
        const { table } = ctx.get(testDatabase);
        const r = await mysqlQuery(
          ctx,
          info.Id,
          `SELECT UNIX_TIMESTAMP(CREATE_TIME) FROM information_schema.TABLES WHERE TABLE_SCHEMA='${DATABASE}' AND TABLE_NAME='${table.replace(/'/g, "''")}'`,
        );
        // CREATE_TIME has whole seconds; the table's definition file has nanoseconds (MariaDB: .frm, written once by CREATE TABLE).
        const precise = /^[A-Za-z0-9_$]+$/.test(table)
          ? await ctx.exec(info.Id, ['stat', '-c', '%.9Y', `${DATA_DIR}/${DATABASE}/${table}.frm`]).catch(() => undefined)
          : undefined;
        const tableMade = precise?.exitCode === 0 && Number(precise.stdout.trim()) > 0 ? Number(precise.stdout.trim()) * 1000 : Number(r.stdout.trim()) * 1000;
        const containerMade = Date.parse(info.Created);
        const when = (ms: number) => new Date(ms).toISOString();
        if (!Number.isFinite(tableMade) || tableMade === 0)
          return fail(
            `the creation time of ${DATABASE}.${table}`,
            JSON.stringify(r.stdout.trim() || r.stderr.trim()),
            'the table should be an ordinary InnoDB table',
          );
        if (tableMade >= containerMade) {
          return fail(
            `${DATABASE}.${table} made before ${containerName(info)} was (by an earlier container on the same volume)`,
            `the table was made ${when(tableMade)}, after this container (${when(containerMade)})`,
            `the point is to see the data survive: docker rm -f ${containerName(info)}, run a new container with the same -v, and verify again`,
          );
        }
        const volume = dataMount(info)?.Name;
        return pass(`${DATABASE}.${table} made ${when(tableMade)}; ${containerName(info)} made ${when(containerMade)} on volume ${volume}`);
      },
    },
  ],
});
