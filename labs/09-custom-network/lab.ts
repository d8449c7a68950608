import type Docker from 'dockerode';
import {
  CheckFailure,
  containerName,
  containersOfImage,
  defineLab,
  describeNetworks,
  fail,
  inspectContainersOfImage,
  mysqlGreetingVersion,
  pass,
  readGreeting,
  resolveFrom,
  userNetworks,
  waitUntil,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest, or the same image under another name. */
const NGINX = ['nginx'];
const MYSQL = ['mysql', 'mariadb'];
/** The name the task prescribes for the database container: nginx must reach it by it. */
const DB_NAME = 'mysql';
const DB_PORT = 3306;
/** Networks every engine has; none of them is user-defined. */
/** A server's start-up line naming its TCP port (MariaDB and MySQL 8.0: "port: 3306"; 0 when it listens on none), for the hint only. */
const PORT_LINE = /ready for connections.*port: (\d+)|^Version: .*port: (\d+)/;

/**
 * The port the running server says it listens on, read from its log for the
 * hint: on a first start the entrypoint's temporary server (port 0) comes
 * before "init process done", so only lines after that count.
 */
function portTheServerSays(lines: string[]): number | undefined {
  const initDone = lines.map((l) => /init process done/i.test(l)).lastIndexOf(true);
  if (initDone < 0 && lines.some((l) => /Initializing database|initializing of server in progress/i.test(l))) return undefined;
  const said = lines
    .slice(initDone + 1)
    .map((l) => PORT_LINE.exec(l))
    .filter(Boolean)
    .pop();
  return said ? Number(said[1] ?? said[2]) : undefined;
}

interface Pair {
  web: Docker.ContainerInspectInfo;
  db: Docker.ContainerInspectInfo;
}

/** The user-defined networks a container is attached to. */
/** Is the container known as `mysql` (by its name or a network alias)? */
function knownAsDb(info: Docker.ContainerInspectInfo): boolean {
  const aliases = Object.values(info.NetworkSettings.Networks ?? {}).flatMap((n) => n.Aliases ?? []);
  return info.Name.replace(/^\//, '') === DB_NAME || aliases.includes(DB_NAME);
}

/** The running nginx and mysql containers; the pair sharing a user-defined network first. */
async function findPair(ctx: CheckContext): Promise<{ webs: Docker.ContainerInspectInfo[]; dbs: Docker.ContainerInspectInfo[]; pair?: Pair }> {
  const running = (repositories: string[]) => inspectContainersOfImage(ctx, repositories, { running: true });
  const [webs, dbs] = await Promise.all([running(NGINX), running(MYSQL)]);
  dbs.sort((a, b) => Number(knownAsDb(b)) - Number(knownAsDb(a)));
  for (const db of dbs) {
    const web = webs.find((w) => userNetworks(w).some((n) => userNetworks(db).includes(n)));
    if (web) return { webs, dbs, pair: { web, db } };
  }
  return { webs, dbs, pair: webs[0] && dbs[0] ? { web: webs[0], db: dbs[0] } : undefined };
}

async function thePair(ctx: CheckContext): Promise<Pair> {
  const { pair } = await findPair(ctx);
  return pair ?? ctx.failWith('a running nginx container and a running mysql container', 'one of them is missing', 'start both with docker run -d');
}

export default defineLab({
  title: 'nginx and mysql on a custom network',
  summary: 'Put nginx and mysql on a network of your own so that nginx reaches the database by its name.',
  images: ['nginx:latest', 'mysql:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'containers-running',
      title: 'An nginx container and a mysql container are running',
      run: async (ctx) => {
        const { webs, dbs } = await findPair(ctx);
        if (webs.length > 0 && dbs.length > 0)
          return pass(`nginx: ${webs.map((w) => containerName(w)).join(', ')}; mysql: ${dbs.map((d) => containerName(d)).join(', ')}`);
        const stopped = (await containersOfImage(ctx, MYSQL)).filter((c) => c.State !== 'running');
        const missing = [webs.length === 0 ? 'no running nginx container' : '', dbs.length === 0 ? 'no running mysql container' : '']
          .filter(Boolean)
          .join('; ');
        if (dbs.length === 0 && stopped.length > 0) {
          const logs = await ctx.logTail(stopped[0]!.Id, 8);
          return fail(
            'a running nginx container and a running mysql container',
            `${missing}; ${containerName(stopped[0]!)} is ${stopped[0]!.State}`,
            'the mysql image stops at once without a root password setting: run it with -e MYSQL_ROOT_PASSWORD=... (its last log lines are below)',
            logs,
          );
        }
        return fail(
          'a running nginx container and a running mysql container',
          missing,
          `docker run -d --name ${DB_NAME} --network NET -e MYSQL_ROOT_PASSWORD=... mysql, and docker run -d --name web --network NET nginx`,
        );
      },
    },
    {
      id: 'shared-network',
      title: 'Both are attached to one user-defined network',
      dependsOn: ['containers-running'],
      run: async (ctx) => {
        const { web, db } = await thePair(ctx);
        const shared = userNetworks(web).filter((n) => userNetworks(db).includes(n));
        if (shared.length > 0) return pass(`${containerName(web)} and ${containerName(db)} share ${shared.join(', ')}`);
        const onlyDefault = userNetworks(web).length === 0 && userNetworks(db).length === 0;
        return fail(
          `${containerName(web)} and ${containerName(db)} on the same user-defined network`,
          `${containerName(web)} is on ${describeNetworks(web)}; ${containerName(db)} is on ${describeNetworks(db)}`,
          onlyDefault
            ? 'both are on the default bridge, which every container joins when given no --network: create a network of your own (docker network create app-net) and run both with --network app-net'
            : 'containers on different networks cannot reach each other at all: attach both to one network (--network at docker run, or docker network connect NET CONTAINER)',
        );
      },
    },
    {
      id: 'name-resolves',
      title: `From the nginx container, the name '${DB_NAME}' resolves to the mysql container`,
      dependsOn: ['containers-running'],
      run: async (ctx) => {
        const { web, db } = await thePair(ctx);
        // Asked from nginx's network namespace by a probe of docklab's: the nginx image need not have getent.
        const lookup = await resolveFrom(ctx, web.Id, DB_NAME);
        const resolved = lookup.addresses.find((a) => Object.values(db.NetworkSettings.Networks ?? {}).some((e) => e.IPAddress === a)) ?? lookup.addresses[0];
        const dbAddresses = Object.entries(db.NetworkSettings.Networks ?? {}).map(([n, e]) => ({ network: n, ip: e.IPAddress }));
        const expected = `'${DB_NAME}' to resolve, inside ${containerName(web)}, to ${containerName(db)}'s address (${dbAddresses.map((a) => `${a.ip} on ${a.network}`).join(', ')})`;
        if (!resolved) {
          const found = `the name ${DB_NAME} does not resolve in ${containerName(web)}${lookup.said ? ` (${lookup.said})` : ''}; ${containerName(web)} is on ${describeNetworks(web)}`;
          if (userNetworks(web).length === 0) {
            return fail(
              expected,
              found,
              `names do not resolve on the default bridge: Docker's built-in DNS answers container names only on user-defined networks. Create one (docker network create app-net) and run both containers with --network app-net`,
            );
          }
          if (!userNetworks(web).some((n) => userNetworks(db).includes(n))) {
            return fail(
              expected,
              found,
              `a name resolves only for containers on the same network: ${containerName(db)} is on ${describeNetworks(db)}; connect it to ${userNetworks(web).join(' or ')} (docker network connect)`,
            );
          }
          return fail(
            expected,
            found,
            `the two share a network, but no container there is called '${DB_NAME}': name the database container ${DB_NAME} (--name ${DB_NAME}) or give it --network-alias ${DB_NAME}`,
          );
        }
        const match = dbAddresses.find((a) => a.ip === resolved);
        if (!match) {
          return fail(
            expected,
            `'${DB_NAME}' resolves to ${resolved}, which is not ${containerName(db)}`,
            `another container answers to '${DB_NAME}' on that network: docker network inspect shows who holds ${resolved}`,
          );
        }
        return pass(`${DB_NAME} → ${resolved} (${containerName(db)} on ${match.network})`);
      },
    },
    {
      id: 'mysql-port',
      title: `From the nginx container, ${DB_NAME}:${DB_PORT} accepts a connection and greets as a MySQL server`,
      dependsOn: ['name-resolves'],
      timeoutMs: 120_000,
      run: async (ctx) => {
        const { web, db } = await thePair(ctx);
        // The protocol itself says when the server is ready: its greeting, read from nginx's namespace by a probe of docklab's.
        const greeting = await waitUntil(
          {
            expected: `a TCP connection from ${containerName(web)} to ${DB_NAME}:${DB_PORT}, answered by a MySQL greeting`,
            hint: 'the server did not greet on that port',
            attempt: async () => {
              const probe = await readGreeting(ctx, web.Id, DB_NAME, DB_PORT);
              const version = probe.greeting && mysqlGreetingVersion(probe.greeting);
              if (version) return { ok: true, value: version };
              const seen = probe.problem ?? `${probe.greeting?.length ?? 0} bytes that are no MySQL greeting`;
              // A server that is up and says it listens elsewhere will not change its mind: no use waiting.
              const listening = portTheServerSays(await ctx.logTail(db.Id, 200));
              if (listening !== undefined && listening !== DB_PORT) {
                throw new CheckFailure(
                  `a TCP connection from ${containerName(web)} to ${DB_NAME}:${DB_PORT}, answered by a MySQL greeting`,
                  seen,
                  `the server says it listens on port ${listening || 'none'}: run it without --skip-networking or --port, so that it listens on ${DB_PORT}`,
                );
              }
              return { ok: false, seen };
            },
          },
          { timeoutMs: 90_000, intervalMs: 1_000, container: { docker: ctx.docker, id: db.Id } },
        ).catch((error: unknown) => {
          if (!(error instanceof CheckFailure) || /--skip-networking/.test(error.hint)) throw error;
          throw new CheckFailure(
            error.expected,
            error.found,
            'nothing greeted as MySQL there: is the database server still starting (docker logs), or is it really MySQL/MariaDB on that port?',
            error.details,
          );
        });
        return pass(`${DB_NAME}:${DB_PORT} answered from ${containerName(web)}: server version ${greeting}`);
      },
    },
  ],
});
