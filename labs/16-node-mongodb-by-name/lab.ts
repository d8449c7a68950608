import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { defineLab } from '../../src/labs/lab-definition.js';
import { CheckFailure, fail, pass } from '../../src/checks/check.js';
import { containerName } from '../../src/labs/container-specs.js';
import { waitForLogLine } from '../../src/checks/wait/log-wait.js';
import { waitForHttp } from '../../src/checks/wait/http-wait.js';
import { waitUntil } from '../../src/checks/wait/wait-strategy.js';
import type { ContainerSpec, LabContext } from '../../src/labs/lab-context.js';

const MONGO = /^mongo(:[\w.-]+)?$/;
/** The names the task prescribes: the app connects to mongodb://mongodb:27017/… */
const DB_NAME = 'mongodb';
const APP_NAME = 'node-app';
const APP_PORT = 3000;
const DATABASE = 'mydatabase';
const BUILT_IN = new Set(['bridge', 'host', 'none']);
const CONNECTED = /Connected to MongoDB/i;

/**
 * steps.json, the learner's commands as data: { "network": NAME } is docker
 * network create; { "build": { "name", "dir" } } is docker build -t NAME DIR;
 * { "run": ContainerSpec } is docker run -d --name NAME [--network NET]. A
 * container on a network made earlier is known there by its plain name, as
 * with --name (docklab's own names carry the run id).
 */
type Step = { network: string } | { build: { name: string; dir: string } } | { run: ContainerSpec };

async function setup(ctx: LabContext): Promise<void> {
  const steps = JSON.parse(readFileSync(ctx.sourcePath('steps.json'), 'utf8')) as Step[];
  const networks = new Map<string, string>();
  const images = new Map<string, string>();
  for (const step of steps) {
    if ('network' in step) networks.set(step.network, await ctx.createNetwork(step.network));
    else if ('build' in step) images.set(step.build.name, (await ctx.build({ name: step.build.name, dir: step.build.dir })).ref);
    else {
      const spec = step.run;
      const network = spec.network ? networks.get(spec.network) ?? spec.network : undefined;
      const userDefined = network !== undefined && !BUILT_IN.has(network);
      await ctx.runContainer({ ...spec, image: images.get(spec.image) ?? spec.image, network, networkAliases: userDefined ? [spec.name] : undefined });
    }
  }
}

async function byName(ctx: LabContext, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  const [found] = await ctx.containers({ name });
  return found ? ctx.docker.getContainer(found.Id).inspect() : undefined;
}

async function both(ctx: LabContext): Promise<{ db: Docker.ContainerInspectInfo; app: Docker.ContainerInspectInfo }> {
  const [db, app] = [await byName(ctx, DB_NAME), await byName(ctx, APP_NAME)];
  if (!db || !app) return ctx.failWith(`containers named ${DB_NAME} and ${APP_NAME}`, `${db ? '' : `no ${DB_NAME} `}${app ? '' : `no ${APP_NAME}`}`.trim(), 'the containers-running check must pass first');
  return { db, app };
}

function userNetworks(info: Docker.ContainerInspectInfo): string[] {
  return Object.keys(info.NetworkSettings.Networks ?? {}).filter((n) => !BUILT_IN.has(n));
}

function networksOf(info: Docker.ContainerInspectInfo): string {
  return Object.keys(info.NetworkSettings.Networks ?? {}).join(', ') || 'none';
}

export default defineLab({
  title: 'Node app and MongoDB by container name',
  summary: 'Run a Node.js app and MongoDB on a network of your own; the app finds the database by its container name.',
  images: ['mongo:latest', 'node:18'],
  evidence: 'state',
  setup,
  checks: [
    {
      id: 'containers-running',
      title: `A MongoDB container '${DB_NAME}' and the app container '${APP_NAME}' are running`,
      timeoutMs: 30_000,
      run: async (ctx) => {
        const [db, app] = [await byName(ctx, DB_NAME), await byName(ctx, APP_NAME)];
        const problems: string[] = [];
        if (!db) problems.push(`no container named ${DB_NAME}`);
        else if (!MONGO.test(db.Config.Image)) problems.push(`${DB_NAME} runs the image ${db.Config.Image}, not mongo`);
        else if (!db.State.Running) problems.push(`${DB_NAME} is ${db.State.Status}`);
        if (!app) problems.push(`no container named ${APP_NAME}`);
        else if (!app.State.Running) problems.push(`${APP_NAME} is ${app.State.Status} (exit ${app.State.ExitCode})`);
        if (problems.length === 0) return pass(`${DB_NAME} (${db!.Config.Image}) and ${APP_NAME} (${app!.Config.Image})`);
        const logs = app && !app.State.Running ? await ctx.logTail(app.Id, 8) : [];
        return fail(`running containers ${DB_NAME} (mongo image) and ${APP_NAME} (your app's image)`, problems.join('; '), `docker run -d --name ${DB_NAME} --network NET mongo, then docker run -d --name ${APP_NAME} --network NET -p ${APP_PORT}:${APP_PORT} node-mongo-app`, logs);
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
          `${APP_NAME} is on ${networksOf(app)}; ${DB_NAME} is on ${networksOf(db)}`,
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
        try {
          const line = await waitForLogLine(ctx, app.Id, CONNECTED, 'pending', { timeoutMs: 25_000 });
          return pass(`${APP_NAME}: ${JSON.stringify(line.trim())}`);
        } catch (error) {
          if (!(error instanceof CheckFailure)) throw error;
          const logs = error.details.length ? error.details : await ctx.logTail(app.Id, 6);
          const text = logs.join('\n');
          const hint = /localhost|127\.0\.0\.1|::1/.test(text)
            ? `the app connects to localhost, which inside the ${APP_NAME} container is that container itself: MongoDB runs in another container; connect to it by its name, mongodb://${DB_NAME}:27017/${DATABASE}`
            : /ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(text)
              ? `the name in the connection string does not resolve from ${APP_NAME}: both containers must be on the same user-defined network and the database container must be called ${DB_NAME}`
              : `the app should connect to mongodb://${DB_NAME}:27017/${DATABASE} and log "Connected to MongoDB"; its last lines are below`;
          throw new CheckFailure(error.expected, error.found, hint, logs);
        }
      },
    },
    {
      id: 'document-roundtrip',
      title: 'A document written through the app\'s HTTP route is read back, and is in MongoDB',
      dependsOn: ['app-connected'],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const { app } = await both(ctx);
        const port = Number(app.NetworkSettings.Ports?.[`${APP_PORT}/tcp`]?.[0]?.HostPort ?? 0);
        if (!port) return fail(`port ${APP_PORT} of ${APP_NAME} published on a host port`, 'not published', `run the app with -p ${APP_PORT}:${APP_PORT}`);
        const base = `http://127.0.0.1:${port}`;
        const name = `lab16-${randomBytes(4).toString('hex')}`;
        const made = await waitForHttp(ctx, `${base}/items`, { status: 201, body: name }, `POST /items with {"name": ...} should store the item and answer 201 with it`, {
          containerId: app.Id,
          timeoutMs: 15_000,
          request: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) },
        });
        const id = (JSON.parse(made.body) as { _id?: string })._id;
        if (!id) return fail('the stored item with its _id in the answer to POST /items', made.body.slice(0, 120), 'answer with the document Mongoose created');
        const read = await ctx.http(`${base}/items/${id}`);
        if (read.status !== 200 || !read.body.includes(name)) {
          return fail(`GET /items/${id} answering 200 with ${name}`, `HTTP ${read.status} ${JSON.stringify(read.body.slice(0, 120))}`, 'GET /items/:id should find the item by its _id');
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
              return r.exitCode === 0 && r.stdout.includes(name) ? { ok: true, value: r.stdout.trim() } : { ok: false, seen: (r.stdout + r.stderr).trim().slice(0, 160) || `exit ${r.exitCode}` };
            },
          },
          { timeoutMs: 15_000, intervalMs: 1_000 },
        );
        return pass(`POST then GET /items/${id} on port ${port}; in MongoDB: ${shell.slice(0, 120)}`);
      },
    },
  ],
});
