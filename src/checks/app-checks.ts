import { fail, passWith, type Check } from '../lab-kit/check.js';
import { Wait, waitFor } from '../lab-kit/wait/wait.js';
import { formatBytes } from '../util/terminal.js';
import type { CheckContext, HttpAnswer } from '../lab-kit/check-context.js';
import type { BuildResult } from '../images/image-build.js';

/**
 * Checks that many labs share: build the folder's Dockerfile into a named
 * image; run it publishing the app's port on a free host port; expect an
 * HTTP answer. Each hands what it made to the checks after it (passWith).
 */
/** An image a check hands on: the reference to run it by (the run's own name for it, or the learner's). */
export interface ImageHandle {
  ref: string;
}

/** What imageBuildsCheck hands on: the run's reference of the image and its build. */
export interface BuiltImage extends BuildResult, ImageHandle {
  sizeBytes: number;
}

/** What appServesCheck hands on: the container it started and where it answered. */
export interface ServingContainer {
  id: string;
  hostPort: number;
  url: string;
}

export function imageBuildsCheck(options: { image: string; id?: string; buildArgs?: Record<string, string> }): Check<BuiltImage> {
  return {
    id: options.id ?? 'image-builds',
    title: `The Dockerfile builds into an image '${options.image}'`,
    timeoutMs: 600_000,
    run: async (ctx) => {
      const built = await ctx.build({ name: options.image, buildArgs: options.buildArgs });
      const info = await ctx.docker.getImage(built.ref).inspect();
      return passWith(
        { ...built, sizeBytes: info.Size },
        `${options.image}: ${formatBytes(info.Size)}, ${built.steps.length} steps, built in ${(built.durationMs / 1000).toFixed(1)} s`,
      );
    },
  };
}

export interface ServesOptions {
  /**
   * The check that handed the image on (imageBuildsCheck, or a lab's own
   * check passing an ImageHandle), or, inside the check that built it, the
   * image itself.
   */
  image: Check<ImageHandle> | ImageHandle;
  /** The app's port in the container; 'exposed': the first port the image EXPOSEs, else fallbackPort. */
  containerPort: number | 'exposed';
  fallbackPort?: number;
  path?: string;
  body: string | RegExp;
  id?: string;
  title?: string;
  dependsOn?: Array<string | Check<any>>;
  env?: Record<string, string>;
  /** What the app is, for hints: "the Express app". */
  app: string;
}

export function appServesCheck(options: ServesOptions): Check<ServingContainer> {
  const path = options.path ?? '/';
  return {
    id: options.id ?? 'app-answers',
    title:
      options.title ??
      `A container from it answers ${JSON.stringify(String(options.body instanceof RegExp ? options.body.source : options.body))} on ${options.containerPort === 'exposed' ? 'its port' : `port ${options.containerPort}`}`,
    dependsOn: options.dependsOn ?? (isCheck(options.image) ? [options.image] : []),
    timeoutMs: 60_000,
    run: async (ctx) => {
      const { answer, serving } = await serveApp(ctx, options);
      return passWith(serving, `HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 60))} from ${path}`);
    },
  };
}

/** Starts a container from the lab's image and waits for the expected answer; hints tell exits from bad binds. */
export async function serveAndRequest(ctx: CheckContext, options: ServesOptions): Promise<HttpAnswer> {
  return (await serveApp(ctx, options)).answer;
}

/** As serveAndRequest, with the container that answered, for a check that hands it on or looks inside it. */
export async function serveApp(ctx: CheckContext, options: ServesOptions): Promise<{ answer: HttpAnswer; serving: ServingContainer }> {
  const ref = isCheck(options.image) ? ctx.get(options.image).ref : options.image.ref;
  // The container is named after the image's short name: my-node-app → docklab-NN-<run>-my-node-app.
  const name = ref.replace(/^.*\//, '').replace(/[:@].*$/, '');
  const containerPort = options.containerPort === 'exposed' ? await exposedPort(ctx, ref, options.fallbackPort ?? 80) : options.containerPort;
  const container = await ctx.runContainer({ name, image: ref, ports: { [String(containerPort)]: 0 }, env: options.env });
  const hostPort = await ctx.hostPort(container.id, String(containerPort));
  if (!hostPort) {
    // A container that died at once has no ports at all: its exit is the news, not the port.
    const state = (await ctx.docker.getContainer(container.id).inspect()).State;
    if (!state.Running) {
      const logs = await ctx.logTail(container.id, 12);
      return ctx.failWith(
        `${options.app} running, with port ${containerPort} published`,
        `the container exited at once with code ${state.ExitCode}${state.Error ? ` (${state.Error})` : ''}`,
        `${options.app} stopped as soon as it started: its last log lines below say why (a wrong CMD or ENTRYPOINT? a file or program the image does not have?)`,
        logs,
      );
    }
    return ctx.failWith(`port ${containerPort} published`, 'no published port', 'EXPOSE is documentation; docklab publishes the port itself');
  }
  const url = `http://127.0.0.1:${hostPort}${options.path ?? '/'}`;
  // The hint comes from what happened: the app stopped, nothing answered on the port, or it answered something else.
  const answers = Wait.forHttp(url, { status: 200, body: options.body })
    .withStartupTimeout(30_000)
    // A wait that timed out on a running app shows the app's own last words as well.
    .withLogs(12)
    .diagnose((failure) =>
      failure.reason !== 'timeout'
        ? `${options.app} stopped: its last log lines below say why (a dependency the image never installed? a wrong CMD?)`
        : /ECONNRESET|ECONNREFUSED|UND_ERR_SOCKET|other side closed|no HTTP answer/i.test(failure.lastSeen)
          ? `nothing answered through the published port: ${options.app} must listen on all addresses in the container (0.0.0.0), not 127.0.0.1/localhost, and on port ${containerPort}`
          : `${options.app} answered, but not with what the task asks`,
    );
  const answer = await waitFor(ctx, answers, container.id);
  return { answer, serving: { id: container.id, hostPort, url } };
}

function isCheck(image: ServesOptions['image']): image is Check<ImageHandle> {
  return 'run' in image;
}

/** The first TCP port an image EXPOSEs. */
async function exposedPort(ctx: CheckContext, ref: string, fallback: number): Promise<number> {
  const exposed = Object.keys((await ctx.docker.getImage(ref).inspect()).Config?.ExposedPorts ?? {});
  const tcp = exposed.find((p) => p.endsWith('/tcp'));
  return tcp ? Number(tcp.split('/')[0]) : fallback;
}

export { fail };
