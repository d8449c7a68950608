import type Docker from 'dockerode';
import { defineLab, fail, imageIfPresent, pass, passWith, type Check, type CheckContext } from '../../src/lab-kit/index.js';

const REPOSITORY = 'my-snapshot';
const TAG = 'v1';
const BASE = 'busybox:latest';
const FILE = '/greeting.txt';
const GREETING = 'hello from a snapshot';
/** How long a container from the image may take to print and end. */
const RUN_LIMIT_MS = 15_000;

/** What a container from the image printed, and how it ended. */
interface Ran {
  exitCode: number | undefined;
  output: string[];
}

/** Runs a container from the image (with a command, or its default one) and waits, within a limit, for it to end. */
async function runOnce(ctx: CheckContext, ref: string, role: string, cmd?: string[]): Promise<Ran> {
  const container = await ctx.runContainer({ name: role, image: ref, cmd });
  const ended = await Promise.race([
    container.wait().then((r: { StatusCode: number }) => r.StatusCode),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), RUN_LIMIT_MS).unref()),
  ]);
  if (ended === undefined) await container.kill().catch(() => undefined);
  return { exitCode: ended, output: await ctx.logTail(container.id, 20) };
}

function said(ran: Ran): string {
  const text = ran.output.join(' / ').trim();
  return `${ran.exitCode === undefined ? `still running after ${RUN_LIMIT_MS / 1000} s` : `exit code ${ran.exitCode}`}, output ${text ? JSON.stringify(text.slice(0, 160)) : 'none'}`;
}

const imageTagged: Check<{ ref: string; image: Docker.ImageInspectInfo }> = {
  id: 'image-tagged',
  title: `An image ${REPOSITORY}:${TAG} exists`,
  run: async (ctx) => {
    const ref = ctx.imageName(REPOSITORY, TAG);
    const image = await imageIfPresent(ctx.docker, ref);
    if (!image)
      return fail(
        `an image ${REPOSITORY}:${TAG}`,
        'none',
        `docker commit takes the container and the image name to give the snapshot: docker commit CONTAINER ${REPOSITORY}:${TAG}`,
      );
    return passWith({ ref, image }, `${REPOSITORY}:${TAG} = ${image.Id.slice(7, 19)}, created ${image.Created}`);
  },
};

const builtOnBase: Check<void> = {
  id: 'built-on-busybox',
  title: `It is ${BASE} with changes on top: every layer of ${BASE}, then its own`,
  dependsOn: [imageTagged],
  run: async (ctx) => {
    const { image } = ctx.get(imageTagged);
    const base = await imageIfPresent(ctx.docker, BASE);
    if (!base) return fail(`the image ${BASE} on the engine`, 'none', `pull it (docker pull ${BASE}) and start the container you commit from it`);
    const layers = image.RootFS?.Layers ?? [];
    const baseLayers = base.RootFS?.Layers ?? [];
    const onTop = baseLayers.length > 0 && baseLayers.every((layer, i) => layers[i] === layer);
    if (!onTop) {
      return fail(
        `the layers of ${BASE} at the bottom of ${REPOSITORY}:${TAG}`,
        `${layers.length} layers, not starting with ${BASE}'s ${baseLayers.length}`,
        `start the container you change and commit from ${BASE}: a snapshot keeps the layers of the image its container came from`,
      );
    }
    if (layers.length === baseLayers.length) {
      return fail(
        `a layer of its own on top of ${BASE}`,
        `the very layers of ${BASE}, nothing added`,
        'change the container before you commit it: a snapshot of an untouched container is the base image again',
      );
    }
    return pass(`${baseLayers.length} layers of ${BASE}, then ${layers.length - baseLayers.length} of its own`);
  },
};

const holdsGreeting: Check<void> = {
  id: 'holds-greeting',
  title: `A container from it finds ${FILE} saying "${GREETING}"`,
  dependsOn: [imageTagged],
  timeoutMs: 30_000,
  run: async (ctx) => {
    const ran = await runOnce(ctx, ctx.get(imageTagged).ref, 'read-greeting', ['cat', FILE]);
    if (ran.exitCode === 0 && ran.output.some((l) => l.includes(GREETING))) return pass(`cat ${FILE}: ${JSON.stringify(ran.output.join(' ').trim())}`);
    return fail(
      `\`cat ${FILE}\` in a container from ${REPOSITORY}:${TAG} to print "${GREETING}"`,
      said(ran),
      `write the file in the very container you commit (docker commit saves that container's filesystem; a change made in another container, or after the commit, is not in the snapshot)`,
    );
  },
};

const defaultCommand: Check<void> = {
  id: 'default-command',
  title: 'Run without a command, it prints the greeting and exits 0',
  dependsOn: [imageTagged],
  timeoutMs: 30_000,
  run: async (ctx) => {
    const { ref, image } = ctx.get(imageTagged);
    const ran = await runOnce(ctx, ref, 'default-command');
    const cmd = [...(image.Config?.Entrypoint ?? []), ...(image.Config?.Cmd ?? [])].join(' ') || 'none';
    if (ran.exitCode === 0 && ran.output.some((l) => l.includes(GREETING)))
      return pass(`default command ${JSON.stringify(cmd)}: ${JSON.stringify(ran.output.join(' ').trim())}`);
    return fail(
      `\`docker run ${REPOSITORY}:${TAG}\` to print "${GREETING}" and exit 0`,
      `default command ${JSON.stringify(cmd)}: ${said(ran)}`,
      `a snapshot keeps the command of the container it came from unless told otherwise: docker commit --change 'CMD ["cat", "${FILE}"]' …`,
    );
  },
};

export default defineLab({
  title: 'Snapshot a container with docker commit',
  summary: 'Change a running container, save it as an image with docker commit, and give that image a default command.',
  images: [BASE],
  evidence: 'state',
  checks: [imageTagged, builtOnBase, holdsGreeting, defaultCommand],
});
