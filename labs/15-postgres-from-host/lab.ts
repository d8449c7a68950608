import type Docker from 'dockerode';
import pg from 'pg';
import { containerName, containersOfImage, defineLab, envOf, fail, pass, readContainerFile, waitUntil, type CheckContext } from '../../src/lab-kit/index.js';

/** By repository, any tag or digest, or the same image under another name. */
const POSTGRES = ['postgres'];
const PG_PORT = '5432/tcp';

interface Credentials {
  user: string;
  password: string | undefined;
  database: string;
}

/**
 * The learner's credentials, as the image reads them: from the environment,
 * or, for POSTGRES_PASSWORD_FILE and its kin (Docker secrets), from the file
 * named there, read through the engine (the image needs no tool for it).
 */
async function credentials(ctx: CheckContext, info: Docker.ContainerInspectInfo): Promise<Credentials> {
  const env = envOf(info);
  const read = async (name: string): Promise<string | undefined> => {
    if (env.get(name)) return env.get(name);
    const file = env.get(`${name}_FILE`);
    if (!file) return undefined;
    // The entrypoint strips one trailing newline, as `$(< file)` does.
    return (await readContainerFile(ctx.docker, info.Id, file))?.replace(/\r?\n$/, '');
  };
  const user = (await read('POSTGRES_USER')) || 'postgres';
  return { user, password: (await read('POSTGRES_PASSWORD')) || undefined, database: (await read('POSTGRES_DB')) || user };
}

async function runningPostgres(ctx: CheckContext): Promise<Docker.ContainerInspectInfo[]> {
  const list = await containersOfImage(ctx, POSTGRES, { running: true });
  const infos = await Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  // One that publishes 5432 first.
  return infos.sort((a, b) => Number(Boolean(hostBinding(b))) - Number(Boolean(hostBinding(a))));
}

function hostBinding(info: Docker.ContainerInspectInfo): { HostIp: string; HostPort: string } | undefined {
  return info.NetworkSettings.Ports?.[PG_PORT]?.find((b) => b.HostPort);
}

async function theContainer(ctx: CheckContext): Promise<Docker.ContainerInspectInfo> {
  const [first] = await runningPostgres(ctx);
  return first ?? ctx.failWith('a running postgres container', 'none', 'docker run -d --name pg -e POSTGRES_PASSWORD=... -p 5432:5432 postgres:15');
}

/** A client connected from this machine through the published port, retried while the server starts. */
async function connect(ctx: CheckContext, info: Docker.ContainerInspectInfo): Promise<pg.Client> {
  const binding = hostBinding(info)!;
  const host = binding.HostIp && binding.HostIp !== '0.0.0.0' && binding.HostIp !== '::' ? binding.HostIp : '127.0.0.1';
  const port = Number(binding.HostPort);
  const creds = await credentials(ctx, info);
  let authError: string | undefined;
  const client = await waitUntil(
    {
      expected: `a PostgreSQL login as ${creds.user} to database ${creds.database} at ${host}:${port}`,
      hint: 'a first start initialises the data folder and restarts the server; `docker logs` shows how far it got',
      attempt: async () => {
        const c = new pg.Client({ host, port, user: creds.user, password: creds.password, database: creds.database, connectionTimeoutMillis: 3_000 });
        try {
          await c.connect();
          return { ok: true, value: c };
        } catch (error) {
          await c.end().catch(() => undefined);
          const message = (error as Error).message;
          // Authentication and missing-database errors will not go away by waiting.
          if (/password authentication failed|does not exist|no pg_hba/.test(message)) authError = message;
          if (authError) return { ok: true, value: undefined };
          return { ok: false, seen: message };
        }
      },
    },
    { timeoutMs: 60_000, intervalMs: 500, container: { docker: ctx.docker, id: info.Id } },
  );
  if (!client) {
    return ctx.failWith(
      `a login as ${creds.user} to ${creds.database}`,
      authError ?? 'refused',
      "docklab logs in with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB from the container's environment; were they changed after the data folder was first made (a reused volume keeps the old ones)?",
    );
  }
  return client;
}

export default defineLab({
  title: 'PostgreSQL from the host',
  summary: 'Run PostgreSQL in a container and use it with a client on your machine through a published port.',
  images: ['postgres:15'],
  evidence: 'state',
  checks: [
    {
      id: 'postgres-running',
      title: 'A postgres container is running',
      run: async (ctx) => {
        const running = await runningPostgres(ctx);
        if (running.length === 0) {
          const all = await containersOfImage(ctx, POSTGRES);
          return fail(
            'a running container from the postgres image',
            all.length
              ? `postgres containers that are not running: ${all.map((c) => `${containerName(c)} (${c.State})`).join(', ')}`
              : 'no container from the postgres image',
            'docker run -d --name pg -e POSTGRES_PASSWORD=... -p 5432:5432 postgres:15 (without a password the server refuses to start: see docker logs)',
          );
        }
        return pass(running.map(containerName).join(', '));
      },
    },
    {
      id: 'port-published',
      title: 'Its port 5432 is published on the host',
      dependsOn: ['postgres-running'],
      run: async (ctx) => {
        const info = await theContainer(ctx);
        const binding = hostBinding(info);
        if (binding) return pass(`${containerName(info)}: 5432/tcp → ${binding.HostIp || '0.0.0.0'}:${binding.HostPort}`);
        const other = Object.entries(info.NetworkSettings.Ports ?? {})
          .filter(([, b]) => b?.some((x) => x.HostPort))
          .map(([p, b]) => `container ${p} → host ${b!.map((x) => x.HostPort).join(',')}`);
        return fail(
          `container port 5432 of ${containerName(info)} published on a host port`,
          other.length ? `only ${other.join('; ')} (the server listens on 5432)` : 'no published ports: the server is reachable only from containers',
          'a client on your machine needs a published port: -p 5432:5432 (HOST:CONTAINER; PostgreSQL listens on 5432 in the container)',
        );
      },
    },
    {
      id: 'client-connects',
      title: "A PostgreSQL client on this machine logs in with the container's credentials",
      dependsOn: ['port-published'],
      timeoutMs: 90_000,
      run: async (ctx) => {
        const info = await theContainer(ctx);
        const client = await connect(ctx, info);
        try {
          const row = (await client.query('SELECT version() AS v, current_user AS u, current_database() AS d')).rows[0] as { v: string; u: string; d: string };
          return pass(`${row.u}@${row.d} via 127.0.0.1:${hostBinding(info)!.HostPort}: ${row.v.split(' on ')[0]}`);
        } finally {
          await client.end();
        }
      },
    },
    {
      id: 'table-roundtrip',
      title: 'docklab creates a table, writes a row and reads it back (and drops its table)',
      dependsOn: ['client-connects'],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const info = await theContainer(ctx);
        const client = await connect(ctx, info);
        const table = `docklab_probe_${ctx.runId}`;
        const note = `written from the host at ${new Date().toISOString()}`;
        try {
          await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, note text NOT NULL)`);
          const inserted = (await client.query(`INSERT INTO ${table} (note) VALUES ($1) RETURNING id`, [note])).rows[0] as { id: number };
          const read = (await client.query(`SELECT note FROM ${table} WHERE id = $1`, [inserted.id])).rows[0] as { note: string } | undefined;
          if (read?.note !== note)
            return fail(
              `the row read back as written: ${JSON.stringify(note)}`,
              JSON.stringify(read?.note ?? null),
              'the database did not keep the row: is it read-only?',
            );
          return pass(`table ${table}: row ${inserted.id} written and read back: ${JSON.stringify(note)}`);
        } catch (error) {
          return fail(
            `CREATE TABLE, INSERT and SELECT to succeed as ${(await credentials(ctx, info)).user}`,
            (error as Error).message,
            'the user docklab logs in as needs the right to create tables in its database',
          );
        } finally {
          await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
          await client.end();
        }
      },
    },
  ],
});
