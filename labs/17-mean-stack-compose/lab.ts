import { randomBytes } from 'node:crypto';
import {
  ComposeProject,
  composeFileUsed,
  composeProject,
  composeUpCheck,
  containerName,
  defineLab,
  downComposeProjects,
  fail,
  imageNamed,
  pass,
  passWith,
  serviceContainers,
  serviceFor,
  Wait,
  waitFor,
  waitForHttp,
  type Check,
  type CheckContext,
  type HttpAnswer,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest: docker.io/library/mongo:7 is mongo. */
const MONGO = imageNamed('mongo');
const DATA_DIR = '/data/db';

/** The published port of the front end (nginx's 80), found after each up. */
async function frontUrl(ctx: CheckContext): Promise<string> {
  const [web] = await serviceContainers(ctx, 'web', { running: true });
  if (!web)
    return ctx.failWith(
      `a running container of the front-end service (${serviceFor(ctx, 'web')})`,
      'none running',
      '`docker compose logs` on it (`docker-compose logs` on Compose v1) says why it stopped',
    );
  const port = await ComposeProject.publishedPort(ctx.docker, web.Id, 80);
  if (!port)
    return ctx.failWith(
      `port 80 of ${containerName(web)} published`,
      'not published',
      `give the front-end service ports: - "8080:80" (or - "80" for a free host port)`,
    );
  return `http://127.0.0.1:${port}`;
}

/** Waits for the API behind nginx to answer (it waits for MongoDB itself), then writes one note. */
async function writeNote(ctx: CheckContext, base: string, text: string): Promise<string> {
  const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) };
  const written = Wait.until<HttpAnswer>(`HTTP 201 from POST ${base}/api/notes with the new note`, async () => {
    const answer = await ctx.http(`${base}/api/notes`, post);
    if (answer.status === 201 && answer.body.includes(text)) return { ok: true, value: answer };
    const seen = answer.status === 0 ? `no HTTP answer (${answer.body})` : `HTTP ${answer.status} with body ${JSON.stringify(answer.body.slice(0, 100))}`;
    // A 502 while the API starts is normal; one from an upstream on localhost never heals.
    const final = answer.status === 502 && (await upstreamsTried(ctx)).some((u) => /\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(u));
    return { ok: false, seen, final };
  })
    .withStartupTimeout(45_000)
    .withInterval(1_000)
    // The hint comes from where the request stopped: nginx, or the API behind it.
    .diagnose(async () => {
      const last = await ctx.http(`${base}/api/notes`, post);
      const [web] = await serviceContainers(ctx, 'web');
      const nginxErrors = web ? (await ctx.logTail(web.Id, 30)).filter((l) => /\[error\]|\[emerg\]/.test(l)).slice(-3) : [];
      const [api] = await serviceContainers(ctx, 'api');
      const apiLines = api ? (await ctx.logTail(api.Id, 4)).map((l) => `${serviceFor(ctx, 'api')}: ${l}`) : [];
      const hint =
        last.status === 502 || last.status === 504
          ? `nginx could not reach the API: forward /api/ to the API by its service name on the project network (proxy_pass http://${serviceFor(ctx, 'api')}:3000;), not to localhost, which inside the nginx container is nginx itself`
          : last.status === 404 || last.status === 405
            ? 'nginx answered /api itself: add a location /api/ that proxy_passes to the API service'
            : 'the API should store {"text": …} and answer 201 with the new document; its last log lines are below';
      return { hint, details: [...nginxErrors, ...apiLines] };
    });
  const made = await waitFor(ctx, written);
  const id = (JSON.parse(made.body) as { _id?: string })._id;
  return (
    id ?? ctx.failWith('the new document, with its _id, in the answer to POST /api/notes', made.body.slice(0, 120), 'answer with the document Mongoose created')
  );
}

/** The upstream URLs nginx's error lines name. */
async function upstreamsTried(ctx: CheckContext): Promise<string[]> {
  const [web] = await serviceContainers(ctx, 'web');
  const lines = web ? await ctx.logTail(web.Id, 20) : [];
  return lines.map((l) => /upstream: "([^"]+)"/.exec(l)?.[1]).filter((u): u is string => Boolean(u));
}

async function started(ctx: CheckContext, role: string): Promise<{ name: string; at: number }> {
  const [c] = await serviceContainers(ctx, role);
  if (!c) return ctx.failWith(`a container of ${serviceFor(ctx, role)}`, 'none', 'bring the stack up first');
  const info = await ctx.docker.getContainer(c.Id).inspect();
  return { name: containerName(info), at: Date.parse(info.State.StartedAt) };
}

/** A note written through the API. */
interface Note {
  id: string;
  text: string;
}

/** Writes a note through nginx and reads it back; hands the note on for the restart. */
const apiRoundtrip: Check<Note> = {
  id: 'api-roundtrip',
  title: 'Through nginx, a document written with POST /api/notes is read back',
  dependsOn: ['front-page'],
  timeoutMs: 90_000,
  run: async (ctx) => {
    const base = await frontUrl(ctx);
    const text = `lab17-${randomBytes(4).toString('hex')}`;
    const id = await writeNote(ctx, base, text);
    const read = await ctx.http(`${base}/api/notes/${id}`);
    if (read.status !== 200 || !read.body.includes(text))
      return fail(
        `GET /api/notes/${id} answering 200 with ${text}`,
        `HTTP ${read.status} ${JSON.stringify(read.body.slice(0, 120))}`,
        'GET /api/notes/:id finds the note by its _id',
      );
    return passWith({ id, text }, `POST /api/notes then GET /api/notes/${id} via ${base}`);
  },
};

export default defineLab({
  title: 'MEAN stack in Compose',
  summary: 'MongoDB, an Express API and an Angular front end served by nginx, in one compose file.',
  images: ['mongo:latest', 'node:18', 'nginx:latest'],
  evidence: 'files',
  requiredFiles: ['docker-compose.yml'],
  teardown: downComposeProjects,
  checks: [
    {
      id: 'compose-file',
      title: 'The compose file (compose.yaml or docker-compose.yml) reads as YAML and has services for MongoDB, the API and the front end',
      run: async (ctx) => {
        const project = await composeProject(ctx);
        const services = Object.entries(project.file.services);
        const mongo = services.find(([, s]) => typeof s.image === 'string' && MONGO.test(s.image));
        const built = services.filter(([, s]) => s.build !== undefined);
        const web = built.find(([, s]) => Array.isArray(s.ports) && s.ports.length > 0);
        const api = built.find(([name]) => name !== web?.[0]);
        const listed = services
          .map(
            ([n, s]) => `${n} (${typeof s.image === 'string' ? `image ${s.image}` : s.build !== undefined ? 'built' : 'no image'}${s.ports ? ', ports' : ''})`,
          )
          .join(', ');
        if (!mongo) return fail('a service with the mongo image', `services: ${listed}`, 'add e.g. mongo: { image: mongo, volumes: ["mongo-data:/data/db"] }');
        if (!web)
          return fail(
            'a front-end service that is built (build:) and publishes ports',
            `services: ${listed}`,
            "the front end is built from its folder (build: ./web, a multi-stage Dockerfile) and publishes nginx's port 80",
          );
        if (!api)
          return fail(
            'an API service built from its folder (build: ./api)',
            `services: ${listed}`,
            'the Express API is a service of its own, built from its Dockerfile, not published: nginx forwards /api to it',
          );
        return passWith(
          { project, services: { mongo: mongo[0], web: web[0], api: api[0] } },
          `${composeFileUsed(project)}: mongo: ${mongo[0]}, api: ${api[0]}, front end: ${web[0]}`,
        );
      },
    },
    composeUpCheck({
      title: 'The stack builds (the front end in a multi-stage image) and comes up',
      args: () => ['--build'],
      timeoutMs: 900_000,
    }),
    {
      id: 'front-page',
      title: 'The front end serves the built Angular app',
      dependsOn: ['stack-up'],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const base = await frontUrl(ctx);
        const page = await waitForHttp(
          ctx,
          `${base}/`,
          { status: 200, body: /<script[^>]+src="[^"]*main[^"]*\.js"/ },
          "nginx should serve the Angular build's index.html (copied from the build stage into nginx's html folder)",
          { timeoutMs: 20_000 },
        );
        const script = /<script[^>]+src="([^"]*main[^"]*\.js)"/.exec(page.body)![1]!;
        const js = await ctx.http(`${base}/${script.replace(/^\//, '')}`);
        if (js.status !== 200 || !/ng-version/.test(js.body)) {
          return fail(
            `${script} served as the compiled Angular app`,
            `HTTP ${js.status}, ${js.body.length} bytes`,
            'copy the whole build output folder (dist/<project>/browser with the application builder) into /usr/share/nginx/html',
          );
        }
        return pass(`index.html and ${script} (${Math.round(js.body.length / 1024)} KiB) from ${base}`);
      },
    },
    apiRoundtrip,
    {
      id: 'restart-keeps-data',
      title: 'After down and up the services start in order and the document is still there',
      dependsOn: [apiRoundtrip],
      timeoutMs: 180_000,
      run: async (ctx) => {
        const project = await composeProject(ctx);
        const note = ctx.get(apiRoundtrip);
        const down = await project.run(['down', '-t', '5']);
        if (down.exitCode !== 0)
          return fail('`down` to succeed', down.output.slice(-1)[0] ?? `exit ${down.exitCode}`, "the tool's output is below", down.output.slice(-6));
        const up = await project.up();
        if (up.exitCode !== 0)
          return fail('`up -d` after `down` to succeed', up.output.slice(-1)[0] ?? `exit ${up.exitCode}`, "the tool's output is below", up.output.slice(-6));
        const order = [await started(ctx, 'mongo'), await started(ctx, 'api'), await started(ctx, 'web')];
        if (!(order[0]!.at <= order[1]!.at && order[1]!.at <= order[2]!.at)) {
          return fail(
            'MongoDB started before the API, the API before the front end',
            order.map((o) => `${o.name} at ${new Date(o.at).toISOString()}`).join(', '),
            'depends_on: tells Compose the order: the API depends on mongo, the front end on the API',
          );
        }
        const base = await frontUrl(ctx);
        const stillThere = Wait.until<HttpAnswer>(`the note ${note.id} (${note.text}) after down and up`, async () => {
          const answer = await ctx.http(`${base}/api/notes/${note.id}`);
          if (answer.status === 200) return { ok: true, value: answer };
          const seen = answer.status === 0 ? `no HTTP answer (${answer.body})` : `HTTP ${answer.status} with body ${JSON.stringify(answer.body.slice(0, 100))}`;
          // The API is up and says the note is gone: no use waiting.
          return { ok: false, seen, final: answer.status === 404 && /no such note|not found/i.test(answer.body) };
        })
          .withStartupTimeout(45_000)
          .withInterval(1_000)
          // Whatever the API said, the note is gone because the data went with the container: where MongoDB keeps it says so.
          .diagnose(async (failure) => {
            const [db] = await serviceContainers(ctx, 'mongo');
            const info = db ? await ctx.docker.getContainer(db.Id).inspect() : undefined;
            const mount = info?.Mounts.find((m) => m.Destination === DATA_DIR);
            return {
              found: `${failure.found}; MongoDB's ${DATA_DIR} is ${mount ? (mount.Type === 'volume' && mount.Name && !/^[0-9a-f]{64}$/.test(mount.Name) ? `the volume ${mount.Name}` : mount.Type === 'volume' ? 'an anonymous volume' : `a bind mount of ${mount.Source}`) : 'no mount'}`,
              hint: `down removes the containers, and with them what was stored in them (an anonymous volume stays behind, but the new container gets a new, empty one): keep ${DATA_DIR} of the mongo service on a named volume (volumes: - mongo-data:${DATA_DIR}, and mongo-data: under the top-level volumes:)`,
            };
          });
        const read = await waitFor(ctx, stillThere);
        if (!read.body.includes(note.text)) return fail(`the note ${note.text}`, read.body.slice(0, 120), 'the same _id should give the same note');
        return pass(`started in order: ${order.map((o) => o.name).join(' → ')}; note ${note.id} still there`);
      },
    },
  ],
});
