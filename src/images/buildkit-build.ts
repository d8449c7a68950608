import type Docker from 'dockerode';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DocklabError } from '../errors.js';
import { BuildkitProgress, decodeTrace, parseVertexName } from './buildkit-trace.js';
import { meansNoBuildkit } from './builder-choice.js';
import type { BuildRequest, BuildStep } from './image-build.js';

/** The engine refused BuildKit itself (not the Dockerfile): the caller builds again with the legacy builder. */
export class BuildkitUnavailable extends Error {}

export interface BuildkitRun {
  imageId: string;
  steps: BuildStep[];
}

/**
 * One build through the engine's BuildKit (the Engine API's `version=2`),
 * the builder `docker build` uses since Docker 23. The context travels as
 * the request body, as with the legacy builder; the progress comes back as
 * BuildKit trace messages, read by BuildkitProgress. A `frontend` (the
 * docker/dockerfile image) is passed as BUILDKIT_SYNTAX, which BuildKit
 * honours before the Dockerfile's own `# syntax=` line.
 *
 * With a frontend, the context is not sent as the body: the engine hands a
 * body to the first frontend only (its own, which reads the Dockerfile to
 * find the syntax), and the frontend image it then starts finds the context
 * gone. The context is served instead on the loopback interface, once per
 * build under a random path, for as many reads as the build makes; the
 * engine fetches it as a remote context.
 */
export async function runBuildkitBuild(
  docker: Docker,
  request: BuildRequest,
  context: Readable,
  log: WriteStream,
  options: { dockerfile: string; frontend?: string },
): Promise<BuildkitRun> {
  const progress = new BuildkitProgress();
  let imageId = '';
  let errorText: string | undefined;
  const buildArgs = { ...request.buildArgs, ...(options.frontend ? { BUILDKIT_SYNTAX: options.frontend } : {}) };
  const served = options.frontend ? await serveContext(context, request.scratchDir) : undefined;
  try {
    const stream = (await docker.buildImage(
      (served ? Readable.from([]) : context) as unknown as NodeJS.ReadableStream,
      {
        t: request.tag,
        remote: served?.url,
        dockerfile: options.dockerfile,
        version: '2',
        abortSignal: request.signal,
        buildargs: buildArgs,
        labels: request.labels,
        networkmode: request.networkMode,
        nocache: request.noCache,
      } as unknown as Docker.ImageBuildOptions,
    )) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error) => (error ? reject(error) : resolve()),
        (event: { id?: string; stream?: string; error?: string; aux?: unknown }) => {
          if (event.id === 'moby.buildkit.trace' && typeof event.aux === 'string') {
            for (const line of progress.add(decodeTrace(Buffer.from(event.aux, 'base64')))) {
              log.write(`${line}\n`);
              request.onLine?.(line);
            }
            return;
          }
          if (event.id === 'moby.image.id' && typeof event.aux === 'object' && event.aux) {
            imageId = (event.aux as { ID?: string }).ID ?? imageId;
            return;
          }
          if (event.error) {
            errorText = event.error.trim();
            log.write(`ERROR: ${errorText}\n`);
          } else if (event.stream) log.write(event.stream);
        },
      );
    });
  } catch (error) {
    errorText ??= (error as Error).message;
  } finally {
    await served?.close();
  }
  request.signal?.throwIfAborted();
  if (errorText !== undefined && meansNoBuildkit(errorText) && progress.list().length === 0) throw new BuildkitUnavailable(errorText);
  if (errorText !== undefined || !imageId) throw buildkitFailure(request, progress, errorText ?? 'the engine reported no image');
  return { imageId, steps: stepsOf(progress) };
}

/** The Dockerfile's steps, in the order BuildKit began them; its internal actions (loading the context, metadata) left out. */
export function stepsOf(progress: BuildkitProgress): BuildStep[] {
  const steps: BuildStep[] = [];
  for (const vertex of progress.list()) {
    const parsed = vertex.name ? parseVertexName(vertex.name) : undefined;
    if (!parsed) continue;
    steps.push({
      instruction: vertex.name!,
      command: parsed.command,
      keyword: parsed.command.split(/\s+/)[0]!.toUpperCase(),
      stage: parsed.stage,
      cached: vertex.cached === true,
      output: vertex.output,
    });
  }
  return steps;
}

function buildkitFailure(request: BuildRequest, progress: BuildkitProgress, reason: string): DocklabError {
  const failing = progress.failed();
  const tail = (failing?.output ?? []).filter((l) => l.trim()).slice(-12);
  if (/no space left on device/i.test(reason) || tail.some((l) => /no space left on device/i.test(l))) {
    return new DocklabError(
      'DOCKLAB_DISK_FULL',
      `the disk filled up while building ${request.tag}; free space (docker system prune, or delete files) and run again; nothing was tagged`,
    );
  }
  // A base image that cannot be had fails while BuildKit reads its metadata.
  const metadata =
    /^\[internal\] load metadata for (\S+)/.exec(failing?.name ?? '') ??
    /failed to (?:solve|resolve)[^:]*: (?:[^:]*: )?(\S+?): (?:not found|pull access denied)/.exec(reason);
  if (
    metadata &&
    /pull access denied|not found|no such host|manifest unknown|repository does not exist|dial tcp|failed to resolve|failed to do request/i.test(reason)
  ) {
    const image = metadata[1]!.replace(/^docker\.io\/(library\/)?/, '');
    return new DocklabError(
      'DOCKLAB_IMAGE_UNAVAILABLE',
      `the Dockerfile starts FROM ${image}, which cannot be had here (no registry answers); ${whatCanBeHadLazy(image)}`,
    );
  }
  const where = failing?.name ? ` at ${failing.name}` : '';
  return new DocklabError('DOCKLAB_IMAGE_BUILD_FAILED', `building ${request.tag} failed${where}: ${shorten(reason)}`, { details: tail });
}

/** BuildKit repeats the whole chain of its own wrappers; the last part is what the learner can act on. */
function shorten(reason: string): string {
  return reason.replace(/^failed to solve with frontend dockerfile\.v0: /, '').replace(/^failed to solve: /, '');
}

let whatCanBeHadFn: ((ref: string) => string) | undefined;
/** The provisioner's advice, loaded once it is needed (the provisioner imports the build path). */
function whatCanBeHadLazy(ref: string): string {
  return whatCanBeHadFn ? whatCanBeHadFn(ref) : `see \`docklab images\` for the images that can be had`;
}
export async function loadAdvice(): Promise<void> {
  whatCanBeHadFn ??= (await import('./provisioner.js')).whatCanBeHad;
}

/** The context tar, kept in a temporary file and served on 127.0.0.1 under an unguessable path until the build ends. */
async function serveContext(context: Readable, scratchDir?: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const dir = scratchDir ? scratchDir() : mkdtempSync(join(tmpdir(), 'docklab-context-'));
  const file = join(dir, 'context.tar');
  try {
    await pipeline(context, createWriteStream(file));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const path = `/${randomBytes(16).toString('hex')}/context.tar`;
  const size = statSync(file).size;
  const server: Server = createServer((req, res) => {
    if (req.url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
