import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { defineLab } from '../../src/labs/lab-definition.js';
import { fail, pass } from '../../src/checks/check.js';
import { containerName } from '../../src/labs/container-specs.js';
import { waitForLogLine } from '../../src/checks/wait/log-wait.js';
import { waitUntil } from '../../src/checks/wait/wait-strategy.js';
import type { ContainerSpec, LabContext } from '../../src/labs/lab-context.js';

const NGINX = /^nginx(:[\w.-]+)?$/;
const MYSQL = /^(mysql|mariadb)(:[\w.-]+)?$/;
/** The name the task prescribes for the database container: nginx must reach it by it. */
const DB_NAME = 'mysql';
const DB_PORT = 3306;
/** Networks every engine has; none of them is user-defined. */
const BUILT_IN = new Set(['bridge', 'host', 'none']);
/** The server's ready line names the TCP port it listens on (0 when it listens on none). */
const READY = /^Version: .*port: (\d+)/;

/**
 * steps.json: the learner's commands as data, in order:
 * { "network": "app-net" } is `docker network create app-net`;
 * { "run": ContainerSpec } is `docker run -d --name NAME [--network NET] …`.
 * A container on a network made earlier is known there by its name, as the
 * engine does for `--name`: docklab's own names carry the run id, so the
 * plain name is added as an alias on that network.
 */
type Step = { network: string } | { run: ContainerSpec };

async function setup(ctx: LabContext): Promise<void> {
  const steps = JSON.parse(readFileSync(ctx.sourcePath('steps.json'), 'utf8')) as Step[];
  const networks = new Map<string, string>();
  for (const step of steps) {
    if ('network' in step) {
      networks.set(step.network, await ctx.createNetwork(step.network));
      continue;
    }
    const spec = step.run;
    const network = spec.network ? networks.get(spec.network) ?? spec.network : undefined;
    const userDefined = network !== undefined && !BUILT_IN.has(network);
    await ctx.runContainer({ ...spec, network, networkAliases: userDefined ? [spec.name, ...(spec.networkAliases ?? [])] : undefined });
  }
}

interface Pair {
  web: Docker.ContainerInspectInfo;
  db: Docker.ContainerInspectInfo;
}

/** The user-defined networks a container is attached to. */
function userNetworks(info: Docker.ContainerInspectInfo): string[] {
  return Object.keys(info.NetworkSettings.Networks ?? {}).filter((n) => !BUILT_IN.has(n));
}

function allNetworks(info: Docker.ContainerInspectInfo): string {
  return Object.keys(info.NetworkSettings.Networks ?? {}).join(', ') || 'none';
}

/** Is the container known as `mysql` (by its name or a network alias)? */
function knownAsDb(info: Docker.ContainerInspectInfo): boolean {
  const aliases = Object.values(info.NetworkSettings.Networks ?? {}).flatMap((n) => n.Aliases ?? []);
  return info.Name.replace(/^\//, '') === DB_NAME || aliases.includes(DB_NAME);
}

/** The running nginx and mysql containers; the pair sharing a user-defined network first. */
async function findPair(ctx: LabContext): Promise<{ webs: Docker.ContainerInspectInfo[]; dbs: Docker.ContainerInspectInfo[]; pair?: Pair }> {
  const running = async (image: RegExp) => {
    const list = (await ctx.containers({ image, all: false })).filter((c) => c.State === 'running');
    return Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  };
  const [webs, dbs] = await Promise.all([running(NGINX), running(MYSQL)]);
  dbs.sort((a, b) => Number(knownAsDb(b)) - Number(knownAsDb(a)));
  for (const db of dbs) {
    const web = webs.find((w) => userNetworks(w).some((n) => userNetworks(db).includes(n)));
    if (web) return { webs, dbs, pair: { web, db } };
  }
  return { webs, dbs, pair: webs[0] && dbs[0] ? { web: webs[0], db: dbs[0] } : undefined };
}

async function thePair(ctx: LabContext): Promise<Pair> {
  const { pair } = await findPair(ctx);
  return pair ?? ctx.failWith('a running nginx container and a running mysql container', 'one of them is missing', 'start both with docker run -d');
}

export default defineLab({
  title: 'nginx and mysql on a custom network',
  summary: 'Put nginx and mysql on a network of your own so that nginx reaches the database by its name.',
  images: ['nginx:latest', 'mysql:latest'],
  evidence: 'state',
  setup,
  checks: [
    {
      id: 'containers-running',
      title: 'An nginx container and a mysql container are running',
      run: async (ctx) => {
        const { webs, dbs } = await findPair(ctx);
        if (webs.length > 0 && dbs.length > 0) return pass(`nginx: ${webs.map((w) => containerName(w)).join(', ')}; mysql: ${dbs.map((d) => containerName(d)).join(', ')}`);
        const stopped = (await ctx.containers({ image: MYSQL })).filter((c) => c.State !== 'running');
        const missing = [webs.length === 0 ? 'no running nginx container' : '', dbs.length === 0 ? 'no running mysql container' : ''].filter(Boolean).join('; ');
        if (dbs.length === 0 && stopped.length > 0) {
          const logs = await ctx.logTail(stopped[0]!.Id, 8);
          return fail(
            'a running nginx container and a running mysql container',
            `${missing}; ${containerName(stopped[0]!)} is ${stopped[0]!.State}`,
            'the mysql image stops at once without a root password setting: run it with -e MYSQL_ROOT_PASSWORD=... (its last log lines are below)',
            logs,
          );
        }
        return fail('a running nginx container and a running mysql container', missing, `docker run -d --name ${DB_NAME} --network NET -e MYSQL_ROOT_PASSWORD=... mysql, and docker run -d --name web --network NET nginx`);
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
          `${containerName(web)} is on ${allNetworks(web)}; ${containerName(db)} is on ${allNetworks(db)}`,
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
        const lookup = await ctx.exec(web.Id, ['getent', 'hosts', DB_NAME]);
        const resolved = lookup.stdout.trim().split(/\s+/)[0];
        const dbAddresses = Object.entries(db.NetworkSettings.Networks ?? {}).map(([n, e]) => ({ network: n, ip: e.IPAddress }));
        const expected = `'${DB_NAME}' to resolve, inside ${containerName(web)}, to ${containerName(db)}'s address (${dbAddresses.map((a) => `${a.ip} on ${a.network}`).join(', ')})`;
        if (lookup.exitCode !== 0 || !resolved) {
          const found = `getent hosts ${DB_NAME} in ${containerName(web)} found nothing (exit ${lookup.exitCode}); ${containerName(web)} is on ${allNetworks(web)}`;
          if (userNetworks(web).length === 0) {
            return fail(expected, found, `names do not resolve on the default bridge: Docker's built-in DNS answers container names only on user-defined networks. Create one (docker network create app-net) and run both containers with --network app-net`);
          }
          if (!userNetworks(web).some((n) => userNetworks(db).includes(n))) {
            return fail(expected, found, `a name resolves only for containers on the same network: ${containerName(db)} is on ${allNetworks(db)}; connect it to ${userNetworks(web).join(' or ')} (docker network connect)`);
          }
          return fail(expected, found, `the two share a network, but no container there is called '${DB_NAME}': name the database container ${DB_NAME} (--name ${DB_NAME}) or give it --network-alias ${DB_NAME}`);
        }
        const match = dbAddresses.find((a) => a.ip === resolved);
        if (!match) {
          return fail(expected, `'${DB_NAME}' resolves to ${resolved}, which is not ${containerName(db)}`, `another container answers to '${DB_NAME}' on that network: docker network inspect shows who holds ${resolved}`);
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
        const ready = await waitForLogLine(ctx, db.Id, READY, 'the database server did not finish starting: `docker logs` on it shows how far it got', { timeoutMs: 90_000 });
        const listening = Number(READY.exec(ready)![1]);
        // bash's /dev/tcp opens the connection; the server speaks first, with its version.
        const probe = ['bash', '-c', `exec 3<>/dev/tcp/${DB_NAME}/${DB_PORT} && dd bs=256 count=1 <&3 2>/dev/null | tr -c '[:print:]' '\\n'`];
        const greeting = await waitUntil(
          {
            expected: `a TCP connection from ${containerName(web)} to ${DB_NAME}:${DB_PORT}, answered by a MySQL greeting`,
            hint:
              listening === DB_PORT
                ? 'the server listens but did not greet: is it really MySQL/MariaDB on that port?'
                : `the server says it listens on port ${listening || 'none'} (its ready line: "${ready.slice(0, 100)}"): run it without --skip-networking or --port, so that it listens on ${DB_PORT}`,
            attempt: async () => {
              const r = await ctx.exec(web.Id, probe);
              const version = r.stdout.split('\n').find((l) => /\d+\.\d+\.\d+/.test(l))?.trim();
              return r.exitCode === 0 && version ? { ok: true, value: version } : { ok: false, seen: (r.stderr.trim().split('\n').pop() ?? '') || `exit ${r.exitCode}, ${r.stdout.length} bytes` };
            },
          },
          { timeoutMs: listening === DB_PORT ? 10_000 : 2_000, intervalMs: 1_000, container: { docker: ctx.docker, id: db.Id } },
        );
        return pass(`${DB_NAME}:${DB_PORT} answered from ${containerName(web)}: server version ${greeting}`);
      },
    },
  ],
});
