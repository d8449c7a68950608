import { CheckFailure, fail, pass, type CheckDefinition } from './check.js';
import { waitForHttp } from './wait/http-wait.js';
import { formatBytes } from '../util/terminal.js';
import type { LabContext } from '../labs/lab-context.js';

/**
 * Checks that many labs share: build the folder's Dockerfile into a named
 * image; run it publishing the app's port on a free host port; expect an
 * HTTP answer. Each keeps what it made in ctx.state for the next.
 */
export function imageBuildsCheck(options: { image: string; id?: string; buildArgs?: Record<string, string> }): CheckDefinition {
  return {
    id: options.id ?? 'image-builds',
    title: `The Dockerfile builds into an image '${options.image}'`,
    timeoutMs: 600_000,
    run: async (ctx) => {
      const built = await ctx.build({ name: options.image, buildArgs: options.buildArgs });
      const info = await ctx.docker.getImage(built.ref).inspect();
      ctx.state.set(`image:${options.image}`, built.ref);
      ctx.state.set(`build:${options.image}`, built);
      return pass(`${options.image}: ${formatBytes(info.Size)}, ${built.steps.length} steps, built in ${(built.durationMs / 1000).toFixed(1)} s`);
    },
  };
}

export interface ServesOptions {
  image: string;
  /** The app's port in the container; 'exposed': the first port the image EXPOSEs, else fallbackPort. */
  containerPort: number | 'exposed';
  fallbackPort?: number;
  path?: string;
  body: string | RegExp;
  id?: string;
  title?: string;
  dependsOn?: string[];
  env?: Record<string, string>;
  /** What the app is, for hints: "the Express app". */
  app: string;
}

export function appServesCheck(options: ServesOptions): CheckDefinition {
  const path = options.path ?? '/';
  return {
    id: options.id ?? 'app-answers',
    title: options.title ?? `A container from it answers ${JSON.stringify(String(options.body instanceof RegExp ? options.body.source : options.body))} on ${options.containerPort === 'exposed' ? 'its port' : `port ${options.containerPort}`}`,
    dependsOn: options.dependsOn ?? ['image-builds'],
    timeoutMs: 60_000,
    run: async (ctx) => {
      const answer = await serveAndRequest(ctx, options);
      return pass(`HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 60))} from ${path}`);
    },
  };
}

/** Starts a container from the lab's image and waits for the expected answer; hints tell exits from bad binds. */
export async function serveAndRequest(ctx: LabContext, options: ServesOptions) {
  const ref = ctx.state.get(`image:${options.image}`) as string;
  const containerPort = options.containerPort === 'exposed' ? await exposedPort(ctx, ref, options.fallbackPort ?? 80) : options.containerPort;
  const container = await ctx.runContainer({ name: options.image, image: ref, ports: { [String(containerPort)]: 0 }, env: options.env });
  ctx.state.set(`container:${options.image}`, container.id);
  const hostPort = await ctx.hostPort(container.id, String(containerPort));
  if (!hostPort) return ctx.failWith(`port ${containerPort} published`, 'no published port', 'EXPOSE is documentation; docklab publishes the port itself');
  const url = `http://127.0.0.1:${hostPort}${options.path ?? '/'}`;
  try {
    return await waitForHttp(ctx, url, { status: 200, body: options.body }, 'pending', { containerId: container.id, timeoutMs: 30_000 });
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    const state = (await ctx.docker.getContainer(container.id).inspect()).State;
    const logs = error.details.length ? error.details : await ctx.logTail(container.id, 12);
    const hint = !state.Running
      ? `${options.app} stopped: its last log lines below say why (a dependency the image never installed? a wrong CMD?)`
      : /ECONNRESET|ECONNREFUSED|UND_ERR_SOCKET|other side closed|no HTTP answer/i.test(error.found)
        ? `nothing answered through the published port: ${options.app} must listen on all addresses in the container (0.0.0.0), not 127.0.0.1/localhost, and on port ${containerPort}`
        : `${options.app} answered, but not with what the task asks`;
    throw new CheckFailure(error.expected, error.found, hint, logs);
  }
}

/** The first TCP port an image EXPOSEs. */
async function exposedPort(ctx: LabContext, ref: string, fallback: number): Promise<number> {
  const exposed = Object.keys((await ctx.docker.getImage(ref).inspect()).Config?.ExposedPorts ?? {});
  const tcp = exposed.find((p) => p.endsWith('/tcp'));
  return tcp ? Number(tcp.split('/')[0]) : fallback;
}

export { fail };
