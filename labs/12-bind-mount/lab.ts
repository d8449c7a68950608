import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { containerName, containersOfImage, defineLab, fail, pass, passWith, waitForHttp, type Check, type CheckContext } from '../../src/lab-kit/index.js';

const HTML_DIR = '/usr/share/nginx/html';

/** Running containers that publish container port 80; one with a bind at the html folder first. */
async function webContainers(ctx: CheckContext): Promise<Docker.ContainerInspectInfo[]> {
  const list = (await ctx.containers({ all: false })).filter((c) => c.State === 'running' && c.Ports.some((p) => p.PrivatePort === 80 && p.PublicPort));
  const infos = await Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  const score = (i: Docker.ContainerInspectInfo) => (htmlMount(i)?.Type === 'bind' ? 0 : /nginx/.test(i.Config.Image) ? 1 : 2);
  return infos.sort((a, b) => score(a) - score(b));
}

function htmlMount(info: Docker.ContainerInspectInfo) {
  return info.Mounts.find((m) => m.Destination === HTML_DIR || m.Destination === `${HTML_DIR}/`);
}

/** The running nginx container the checks judge. */
interface WebContainer {
  id: string;
}

/** That container and the host folder bound at the html folder. */
interface BoundFolder extends WebContainer {
  folder: string;
}

async function baseUrl(ctx: CheckContext, info: Docker.ContainerInspectInfo): Promise<string> {
  const port = await ctx.hostPort(info.Id, '80');
  return `http://127.0.0.1:${port}`;
}

/** Finds the nginx container that publishes port 80; hands it on. */
const nginxRunning: Check<WebContainer> = {
  id: 'nginx-running',
  title: 'An nginx container is running with port 80 published',
  run: async (ctx) => {
    const candidates = await webContainers(ctx);
    const nginx: string[] = [];
    for (const info of candidates) {
      const version = await ctx.exec(info.Id, ['nginx', '-v']).catch(() => undefined);
      if (version?.exitCode === 0) {
        return passWith(
          { id: info.Id },
          `${containerName(info)}: ${(version.stderr || version.stdout).trim()}, 80/tcp → host ${await ctx.hostPort(info.Id, '80')}`,
        );
      }
      nginx.push(`${containerName(info)} (no nginx in it)`);
    }
    const all = await containersOfImage(ctx, ['nginx']);
    return fail(
      'a running nginx container with container port 80 published',
      nginx.length
        ? nginx.join(', ')
        : all.length
          ? `nginx containers without a published port 80 or not running: ${all.map((c) => `${containerName(c)} (${c.State})`).join(', ')}`
          : 'no such container',
      'publish port 80 so that docklab can ask it for pages: docker run -d -p 8080:80 -v HOST_FOLDER:/usr/share/nginx/html nginx',
    );
  },
};

/** Finds the host folder bound at the html folder; hands on the container and the folder. */
const bindMount: Check<BoundFolder> = {
  id: 'bind-mount',
  title: `A host folder is bind-mounted at ${HTML_DIR}`,
  dependsOn: [nginxRunning],
  run: async (ctx) => {
    const info = await ctx.docker.getContainer(ctx.get(nginxRunning).id).inspect();
    const mount = htmlMount(info);
    const expected = `a bind mount of a host folder at ${HTML_DIR} in ${containerName(info)}`;
    const below = info.Mounts.find((m) => m.Destination.startsWith(`${HTML_DIR}/`));
    if (!mount && below) {
      return fail(
        expected,
        `a ${below.Type} mount at ${below.Destination}, below the folder nginx serves from`,
        `mount the folder at ${HTML_DIR} itself: GET / still serves the image's own index.html`,
      );
    }
    if (!mount) {
      return fail(
        expected,
        `nothing mounted there: the pages are in the image (${info.Config.Image})`,
        'files copied into an image are a snapshot: a change on the host needs a rebuild and a new container. A bind mount shares the folder itself: -v "$PWD/site":/usr/share/nginx/html',
      );
    }
    if (mount.Type !== 'bind')
      return fail(
        expected,
        `a ${mount.Type} (${mount.Name ?? mount.Source})`,
        'a volume name is not a host folder: give -v an absolute path (or "$PWD/site"), or use --mount type=bind,source=...,target=...',
      );
    if (!existsSync(mount.Source) || !statSync(mount.Source).isDirectory()) {
      return fail(
        expected,
        `the bind source ${mount.Source} is not a folder docklab can see on this machine`,
        'bind a folder of this machine (the engine must run here, not in a VM); a path that did not exist was created empty by the engine',
      );
    }
    return passWith({ id: info.Id, folder: mount.Source }, `${mount.Source} → ${HTML_DIR}${mount.RW ? '' : ' (read-only)'}`);
  },
};

export default defineLab({
  title: 'Bind mount a host folder into nginx',
  summary: 'Serve a folder of your machine with nginx through a bind mount; edits show without a restart.',
  images: ['nginx:latest'],
  evidence: 'state',
  checks: [
    nginxRunning,
    bindMount,
    {
      id: 'serves-folder',
      title: 'GET / serves the index.html of that host folder',
      dependsOn: [bindMount],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const { id, folder } = ctx.get(bindMount);
        const info = await ctx.docker.getContainer(id).inspect();
        const index = join(folder, 'index.html');
        if (!existsSync(index)) return fail(`an index.html in ${folder}`, 'none', 'put an index.html of your own in the folder you bind: nginx serves it at /');
        const text = readFileSync(index, 'utf8').trim();
        const line =
          text
            .split('\n')
            .map((l) => l.trim())
            .find((l) => l.length > 0) ?? '';
        const answer = await waitForHttp(ctx, `${await baseUrl(ctx, info)}/`, { status: 200 }, 'nginx should answer on its published port', {
          containerId: info.Id,
        });
        if (answer.body.trim() !== text) {
          return fail(
            `GET / to answer with ${index}`,
            `a different page: ${JSON.stringify(answer.body.trim().slice(0, 100))}`,
            `is the folder bound at ${HTML_DIR} exactly? (a mount below it, e.g. /usr/share/nginx/html/site, leaves the image's own page at /)`,
          );
        }
        return pass(`GET / is ${index} (${JSON.stringify(line.slice(0, 60))})`);
      },
    },
    {
      id: 'change-seen',
      title: 'A file changed on the host is served changed, without a restart',
      dependsOn: ['serves-folder', bindMount],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const { id, folder } = ctx.get(bindMount);
        const before = await ctx.docker.getContainer(id).inspect();
        const name = `docklab-probe-${ctx.runId}.txt`;
        const file = join(folder, name);
        const url = `${await baseUrl(ctx, before)}/${name}`;
        if (!isAbsolute(file)) return fail('an absolute bind source', file, 'bind an absolute path');
        try {
          const seen: string[] = [];
          for (const round of ['first', 'second']) {
            const token = `${round} ${randomBytes(6).toString('hex')}`;
            try {
              writeFileSync(file, `${token}\n`, { mode: 0o644 });
            } catch (error) {
              return fail(
                `docklab to write a probe file into ${folder}`,
                (error as Error).message,
                'the folder must be writable by you: docklab writes one file there for a moment and removes it',
              );
            }
            await waitForHttp(
              ctx,
              url,
              { status: 200, body: token },
              'the container does not see the host folder as it is now: is it bound, or was it copied?',
              { containerId: id, timeoutMs: 10_000 },
            );
            seen.push(`wrote ${JSON.stringify(token)} on the host, GET /${name} answered it`);
          }
          const after = await ctx.docker.getContainer(id).inspect();
          if (after.State.StartedAt !== before.State.StartedAt || after.RestartCount !== before.RestartCount) {
            return fail(
              'the same container run throughout',
              `it was restarted (started ${before.State.StartedAt}, now ${after.State.StartedAt})`,
              'a bind mount needs no restart: leave the container running while you edit',
            );
          }
          return pass(`both changes served at once, container started ${after.State.StartedAt} and never restarted`, seen);
        } finally {
          rmSync(file, { force: true });
        }
      },
    },
  ],
});
