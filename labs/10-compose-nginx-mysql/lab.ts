import type Docker from 'dockerode';
import {
  CheckFailure,
  ComposeProject,
  composeFileCheck,
  composeProject,
  composeUpCheck,
  containerName,
  defineLab,
  downComposeProjects,
  envOf,
  fail,
  imageNamed,
  mysqlGreetingVersion,
  mysqlQueryFrom,
  pass,
  readGreeting,
  serviceContainers,
  serviceFor,
  waitForHttp,
  waitUntil,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest: `docker.io/library/nginx:1.25` and `mariadb:11` fill their roles. */
const NGINX = imageNamed('nginx');
const MYSQL = imageNamed('mysql', 'mariadb');

/** The accounts the container's environment defines: root and, when set, the application user. */
function accounts(env: Map<string, string>): Array<{ user: string; password: string; database?: string }> {
  const get = (name: string) => env.get(`MYSQL_${name}`) ?? env.get(`MARIADB_${name}`);
  const list: Array<{ user: string; password: string; database?: string }> = [];
  const root = get('ROOT_PASSWORD');
  if (root !== undefined) list.push({ user: 'root', password: root });
  else if (env.has('MYSQL_ALLOW_EMPTY_PASSWORD') || env.has('MARIADB_ALLOW_EMPTY_ROOT_PASSWORD')) list.push({ user: 'root', password: '' });
  const user = get('USER');
  if (user && user !== 'root') list.push({ user, password: get('PASSWORD') ?? '', database: get('DATABASE') });
  return list;
}

async function theOne(ctx: CheckContext, role: string): Promise<Docker.ContainerInspectInfo> {
  const [first] = await serviceContainers(ctx, role);
  if (!first) return ctx.failWith(`a container of the ${role} service (${serviceFor(ctx, role)})`, 'none', 'the stack-up check must pass first');
  return ctx.docker.getContainer(first.Id).inspect();
}

export default defineLab({
  title: 'Compose with nginx and mysql',
  summary: 'Describe nginx and mysql in a compose file (compose.yaml or docker-compose.yml) and bring both up with one command.',
  images: ['nginx:latest', 'mysql:latest'],
  evidence: 'files',
  requiredFiles: ['docker-compose.yml'],
  teardown: downComposeProjects,
  checks: [
    composeFileCheck({
      roles: [
        { role: 'nginx', image: NGINX, example: 'web: { image: nginx, ports: ["8080:80"] }' },
        { role: 'mysql', image: MYSQL, example: 'db: { image: mysql, environment: { MYSQL_ROOT_PASSWORD: ... } }' },
      ],
    }),
    composeUpCheck(),
    {
      id: 'nginx-answers',
      title: 'nginx answers HTTP 200 on its published port',
      dependsOn: ['stack-up'],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const web = await theOne(ctx, 'nginx');
        const port = await ComposeProject.publishedPort(ctx.docker, web.Id, 80);
        if (!port) {
          return fail(
            `port 80 of ${containerName(web)} published on a host port`,
            `published: ${JSON.stringify(web.NetworkSettings.Ports ?? {})}`,
            `give the nginx service a ports: entry, e.g. - "8080:80" (host port first), or - "80" to let Docker choose the host port`,
          );
        }
        // Any page will do: the task asks for nginx as a web server, not for its welcome page (a mounted site of one's own passes).
        const answer = await waitForHttp(
          ctx,
          `http://127.0.0.1:${port}/`,
          { status: 200 },
          'nginx should serve a page on port 80 inside the container: its own welcome page, or the files you mounted under /usr/share/nginx/html (an empty folder gives 403)',
          { containerId: web.Id, timeoutMs: 20_000 },
        );
        const title = /<title>([^<]{0,80})<\/title>/i.exec(answer.body)?.[1]?.trim();
        return pass(`HTTP ${answer.status} on host port ${port} (${containerName(web)}): ${title ? `"${title}"` : `${answer.body.length} bytes`}`);
      },
    },
    {
      id: 'mysql-login',
      title: 'mysql accepts a login with the credentials from the file',
      dependsOn: ['stack-up'],
      timeoutMs: 120_000,
      run: async (ctx) => {
        const db = await theOne(ctx, 'mysql');
        const env = envOf(db);
        const logins = accounts(env);
        const service = serviceFor(ctx, 'mysql');
        const needsEnv = `the mysql image will not start without a root password setting: under the ${service} service add environment: with MYSQL_ROOT_PASSWORD (and, for an application account, MYSQL_DATABASE, MYSQL_USER and MYSQL_PASSWORD)`;
        const done: string[] = [];
        try {
          for (const login of logins) {
            const answer = await waitUntil(
              {
                expected: `a login as ${login.user}${login.database ? ` into ${login.database}` : ''} with the password from the file`,
                hint: 'the database takes some seconds to initialise on its first start; `docker compose logs` (`docker-compose logs` on Compose v1) shows how far it got',
                // docklab's own client, over TCP from inside the database container's namespace: the image needs no mysql client.
                attempt: async () => {
                  const r = await mysqlQueryFrom(ctx, db.Id, login, 'SELECT CURRENT_USER(), DATABASE()');
                  return r.ok ? { ok: true, value: (r.rows[0] ?? []).map(String).join(', ') } : { ok: false, seen: r.problem };
                },
              },
              { timeoutMs: 90_000, intervalMs: 1_000, container: { docker: ctx.docker, id: db.Id } },
            );
            done.push(`${login.user}: ${answer}`);
          }
        } catch (error) {
          if (!(error instanceof CheckFailure)) throw error;
          throw new CheckFailure(error.expected, error.found, logins.length === 0 ? needsEnv : error.hint, error.details);
        }
        if (logins.length === 0) {
          return fail(
            'credentials for the mysql service in the file (MYSQL_ROOT_PASSWORD, or MYSQL_USER and MYSQL_PASSWORD)',
            "none in the container's environment",
            needsEnv,
          );
        }
        return pass(done.join('; '));
      },
    },
    {
      id: 'shared-network',
      title: "nginx and mysql share the project's network: from nginx, the mysql service answers by its name",
      dependsOn: ['nginx-answers', 'mysql-login'],
      run: async (ctx) => {
        const [web, db] = [await theOne(ctx, 'nginx'), await theOne(ctx, 'mysql')];
        const project = await composeProject(ctx);
        const webNets = Object.keys(web.NetworkSettings.Networks ?? {});
        const dbNets = Object.keys(db.NetworkSettings.Networks ?? {});
        const shared = webNets.filter((n) => dbNets.includes(n));
        const service = serviceFor(ctx, 'mysql');
        if (shared.length === 0) {
          return fail(
            `${containerName(web)} and ${containerName(db)} on one network of the project`,
            `nginx is on ${webNets.join(', ') || 'none'}; mysql is on ${dbNets.join(', ') || 'none'}`,
            "without networks: keys, compose puts every service on the project's default network; when you list networks for a service, give both services a network in common",
          );
        }
        // Asked from nginx's own network namespace by a probe of docklab's: nginx images have no bash, no nc.
        const probe = await readGreeting(ctx, web.Id, service, 3306);
        const version = probe.greeting && mysqlGreetingVersion(probe.greeting);
        if (!version) {
          return fail(
            `a MySQL greeting from ${service}:3306, asked from ${containerName(web)}`,
            probe.problem ?? `${probe.greeting?.length ?? 0} bytes that are no MySQL greeting`,
            `services reach each other by service name on a network they share; is ${service} listening on 3306?`,
          );
        }
        return pass(`${shared.join(', ')} (project ${project.name}); ${service}:3306 greets from nginx: ${version}`);
      },
    },
  ],
});
