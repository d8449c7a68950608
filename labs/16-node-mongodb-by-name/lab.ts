import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import {
  Wait,
  containerRunsImage,
  defineLab,
  describeNetworks,
  fail,
  findContainer,
  pass,
  userNetworks,
  waitFor,
  waitForHttp,
  waitUntil,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest, or the same image under another name. */
const MONGO = ['mongo'];
/** The names the task prescribes: the app connects to mongodb://mongodb:27017/… */
const DB_NAME = 'mongodb';
const APP_NAME = 'node-app';
const APP_PORT = 3000;
const DATABASE = 'mydatabase';
const CONNECTED = /Connected to MongoDB/i;

async function both(ctx: CheckContext): Promise<{ db: Docker.ContainerInspectInfo; app: Docker.ContainerInspectInfo }> {
  const [db, app] = [await findContainer(ctx, DB_NAME), await findContainer(ctx, APP_NAME)];
  if (!db || !app)
    return ctx.failWith(
      `containers named ${DB_NAME} and ${APP_NAME}`,
      `${db ? '' : `no ${DB_NAME} `}${app ? '' : `no ${APP_NAME}`}`.trim(),
      'the containers-running check must pass first',
    );
  return { db, app };
}

export default defineLab({
  title: 'Node app and MongoDB by container name',
  summary: 'Run a Node.js app and MongoDB on a network of your own; the app finds the database by its container name.',
  images: ['mongo:latest', 'node:18'],
  evidence: 'state',
  checks: [
    {
      id: 'containers-running',
      title: `A MongoDB container '${DB_NAME}' and the app container '${APP_NAME}' are running`,
      timeoutMs: 30_000,
      run: async (ctx) => {
        const [db, app] = [await findContainer(ctx, DB_NAME), await findContainer(ctx, APP_NAME)];
        const problems: string[] = [];
        if (!db) problems.push(`no container named ${DB_NAME}`);
        else if (!(await containerRunsImage(ctx.docker, db, MONGO))) problems.push(`${DB_NAME} runs the image ${db.Config.Image}, not mongo`);
        else if (!db.State.Running) problems.push(`${DB_NAME} is ${db.State.Status}`);
        if (!app) problems.push(`no container named ${APP_NAME}`);
        else if (!app.State.Running) problems.push(`${APP_NAME} is ${app.State.Status} (exit ${app.State.ExitCode})`);
        if (problems.length === 0) return pass(`${DB_NAME} (${db!.Config.Image}) and ${APP_NAME} (${app!.Config.Image})`);
        const logs = app && !app.State.Running ? await ctx.logTail(app.Id, 8) : [];
        return fail(
          `running containers ${DB_NAME} (mongo image) and ${APP_NAME} (your app's image)`,
          problems.join('; '),
          `docker run -d --name ${DB_NAME} --network NET mongo, then docker run -d --name ${APP_NAME} --network NET -p ${APP_PORT}:${APP_PORT} node-mongo-app`,
          logs,
        );
      },
    },
    {
      id: 'shared-network',
      title: `${DB_NAME} and ${APP_NAME} share a user-defined network`,
      dependsOn: ['containers-running'],
      run: async (ctx) => {
        const { db, app } = await both(ctx);
        const shared = userNetworks(app).filter((n) => userNetworks(db).includes(n));
        if (shared.length > 0) return pass(`both on ${shared.join(', ')}`);
        return fail(
          `${DB_NAME} and ${APP_NAME} on the same user-defined network`,
          `${APP_NAME} is on ${describeNetworks(app)}; ${DB_NAME} is on ${describeNetworks(db)}`,
          userNetworks(app).length === 0 && userNetworks(db).length === 0
            ? 'on the default bridge container names do not resolve: docker network create app-net, and run both with --network app-net'
            : `containers reach each other (and each other's names) only on the same network: run both with the same --network, or docker network connect NET ${DB_NAME}`,
        );
      },
    },
    {
      id: 'app-connected',
      title: `The app logs that it connected to MongoDB`,
      dependsOn: ['containers-running'],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const { app } = await both(ctx);
        // The hint comes from the app's last log lines: where it tried to connect, and what it was told.
        const connected = Wait.forLogLine(CONNECTED)
          .withStartupTimeout(25_000)
          .withLogs(6)
          .diagnose(({ details }) => {
            const text = details.join('\n');
            return /localhost|127\.0\.0\.1|::1/.test(text)
              ? `the app connects to localhost, which inside the ${APP_NAME} container is that container itself: MongoDB runs in another container; connect to it by its name, mongodb://${DB_NAME}:27017/${DATABASE}`
              : /ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(text)
                ? `the name in the connection string does not resolve from ${APP_NAME}: both containers must be on the same user-defined network and the database container must be called ${DB_NAME}`
                : `the app should connect to mongodb://${DB_NAME}:27017/${DATABASE} and log "Connected to MongoDB"; its last lines are below`;
          });
        const line = await waitFor(ctx, connected, app.Id);
        return pass(`${APP_NAME}: ${JSON.stringify(line.trim())}`);
      },
    },
    {
      id: 'document-roundtrip',
      title: "A document written through the app's HTTP route is read back, and is in MongoDB",
      dependsOn: ['app-connected'],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const { app } = await both(ctx);
        const port = Number(app.NetworkSettings.Ports?.[`${APP_PORT}/tcp`]?.[0]?.HostPort ?? 0);
        if (!port) return fail(`port ${APP_PORT} of ${APP_NAME} published on a host port`, 'not published', `run the app with -p ${APP_PORT}:${APP_PORT}`);
        const base = `http://127.0.0.1:${port}`;
        const name = `lab16-${randomBytes(4).toString('hex')}`;
        const made = await waitForHttp(
          ctx,
          `${base}/items`,
          { status: 201, body: name },
          `POST /items with {"name": ...} should store the item and answer 201 with it`,
          {
            containerId: app.Id,
            timeoutMs: 15_000,
            request: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) },
          },
        );
        const id = (JSON.parse(made.body) as { _id?: string })._id;
        if (!id) return fail('the stored item with its _id in the answer to POST /items', made.body.slice(0, 120), 'answer with the document Mongoose created');
        const read = await ctx.http(`${base}/items/${id}`);
        if (read.status !== 200 || !read.body.includes(name)) {
          return fail(
            `GET /items/${id} answering 200 with ${name}`,
            `HTTP ${read.status} ${JSON.stringify(read.body.slice(0, 120))}`,
            'GET /items/:id should find the item by its _id',
          );
        }
        // Ask the database itself, with the app image's own Mongoose, so
        // that the document is known to be stored, not only held by the app.
        const script = [
          "const m = require('mongoose');",
          `m.connect('mongodb://${DB_NAME}:27017/${DATABASE}', { serverSelectionTimeoutMS: 5000 })`,
          `.then(() => m.connection.db.collection('items').findOne({ name: process.argv[1] }))`,
          '.then((d) => { console.log(JSON.stringify(d)); return m.disconnect(); })',
          '.catch((e) => { console.error(e.message); process.exit(1); });',
        ].join('');
        const shell = await waitUntil(
          {
            expected: `the item ${name} in ${DATABASE}.items, read straight from MongoDB`,
            hint: `the app should use the database ${DATABASE} (mongodb://${DB_NAME}:27017/${DATABASE}) and the model Item (collection items)`,
            attempt: async () => {
              const r = await ctx.exec(app.Id, ['node', '-e', script, name]);
              return r.exitCode === 0 && r.stdout.includes(name)
                ? { ok: true, value: r.stdout.trim() }
                : { ok: false, seen: (r.stdout + r.stderr).trim().slice(0, 160) || `exit ${r.exitCode}` };
            },
          },
          { timeoutMs: 15_000, intervalMs: 1_000 },
        );
        return pass(`POST then GET /items/${id} on port ${port}; in MongoDB: ${shell.slice(0, 120)}`);
      },
    },
    {
      id: 'found-by-name',
      title: `A copy of the app finds a database called ${DB_NAME} on another network, at another address`,
      dependsOn: ['document-roundtrip'],
      timeoutMs: 90_000,
      run: async (ctx) => {
        // By behaviour: the same app image, environment and command, beside a fresh MongoDB known only by the name
        // mongodb on a network of docklab's own. An app that connects by name follows it there; one that carries
        // the database container's address (mongodb://172.18.0.2…) does not, since nothing answers there.
        const { db, app } = await both(ctx);
        const network = await ctx.createNetwork('elsewhere');
        const copyDb = await ctx.runContainer({ name: 'mongodb-elsewhere', image: db.Image, network, networkAliases: [DB_NAME] });
        const copy = await ctx.runContainer({
          name: 'node-app-elsewhere',
          image: app.Image,
          env: Object.fromEntries((app.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
          cmd: app.Config.Cmd ?? undefined,
          entrypoint: (app.Config.Entrypoint as string[] | null | undefined) ?? undefined,
          network,
          ports: { [APP_PORT]: 0 },
        });
        const copyAddress = (await ctx.docker.getContainer(copyDb.id).inspect()).NetworkSettings.Networks?.[network]?.IPAddress;
        const port = await ctx.hostPort(copy.id, String(APP_PORT));
        const name = `lab16-elsewhere-${randomBytes(4).toString('hex')}`;
        const stored = Wait.forHttp(
          `http://127.0.0.1:${port}/items`,
          { status: 201, body: name },
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) },
        )
          .describedAs(`the copy of the app, with MongoDB called ${DB_NAME} at ${copyAddress ?? 'another address'}, storing an item`)
          .withStartupTimeout(45_000)
          // The copy's log (or its environment) names the address it connects to instead of the name.
          .diagnose(async () => {
            const logs = await ctx.logTail(copy.id, 8);
            const address = /mongodb(?:\+srv)?:\/\/(?:[^@/\s]*@)?(\d+\.\d+\.\d+\.\d+)/.exec([...logs, ...(app.Config.Env ?? [])].join('\n'))?.[1];
            return {
              hint: `the app does not find its database by the name ${DB_NAME}${address ? `: it connects to the address ${address}` : ''}. A container's address changes when it is made again; its name does not: connect to mongodb://${DB_NAME}:27017/${DATABASE}`,
              details: logs,
            };
          });
        await waitFor(ctx, stored, copy.id);
        return pass(`the copy stored ${name} in the MongoDB called ${DB_NAME} at ${copyAddress ?? '?'} on ${network}`);
      },
    },
  ],
});
