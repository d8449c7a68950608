import type Docker from 'dockerode';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { formatBytes } from '../util/terminal.js';
import { stateDir } from '../util/state-dir.js';
import { biggestFiles, collectContext, contextTar, LARGE_CONTEXT_BYTES } from './build-context.js';
import { chooseBuilder, fallBackToLegacy, type BuilderChoice, type BuilderKind } from './builder-choice.js';
import { BuildkitUnavailable, loadAdvice, runBuildkitBuild } from './buildkit-build.js';
import { frontendFor, frontendPresent } from './dockerfile-frontend.js';

export interface BuildRequest {
  contextDir: string;
  tag: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Needed when the build must reach a proxy bridge on the host's loopback. */
  networkMode?: string;
  noCache?: boolean;
  /** A short name for the log file. */
  logName: string;
  onLine?: (line: string) => void;
  /** Stops the build (the engine cancels it when the request goes away). */
  signal?: AbortSignal;
  /** Each image a build step committed, as it is committed (not the FROM image, not cache hits). */
  onLayer?: (imageId: string) => void;
  /** The build finished: the layers it committed, now build cache. */
  onFinished?: (imageIds: string[]) => void;
  /** Said before the build starts: a large context, with its biggest files; a fallback to the legacy builder. */
  onWarning?: (line: string) => void;
  /** Insist on one builder; by default BuildKit where the engine has it (see builder-choice.ts). */
  builder?: BuilderKind;
  /**
   * A fresh folder for the build's temporary files (the served context of a frontend build): a run's own, so
   * that a process killed mid-build leaves them where the reaper looks. The system's temp folder otherwise.
   */
  scratchDir?: () => string;
}

export interface BuildStep {
  /** "Step 3/7 : RUN npm install" (legacy builder) or "[2/5] RUN npm install" (BuildKit), as the engine named it. */
  instruction: string;
  /** The instruction alone: "RUN npm install". */
  command: string;
  /** Its keyword, upper case: "RUN". */
  keyword: string;
  /** BuildKit's stage name when it gives one ("build", "stage-1"). */
  stage?: string;
  /** Taken from the build cache: "Using cache" (legacy) or "CACHED" (BuildKit). */
  cached: boolean;
  output: string[];
}

export interface BuildResult {
  imageId: string;
  steps: BuildStep[];
  logPath: string;
  durationMs: number;
  /** Which builder built it, and why that one. */
  builder: BuilderKind;
  builderReason: string;
}

/**
 * Builds an image from a folder through the Engine API, keeps the whole log
 * in a file, and on failure reports the failing step with its last lines.
 */
export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const logPath = join(stateDir('logs'), `build-${request.logName.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${started}.log`);
  request.signal?.throwIfAborted();
  const dockerfile = request.dockerfile ?? defaultDockerfile(request.contextDir);
  assertDockerfileUsable(request.contextDir, dockerfile);
  // Exactly what `docker build DIR` would send: .dockerignore honoured, symlinks as symlinks, names as bytes.
  const collected = collectContext(request.contextDir, [dockerfile, '.dockerignore']);
  if (collected.totalBytes > LARGE_CONTEXT_BYTES) {
    request.onWarning?.(
      `warning: the build context of ${request.contextDir} is ${formatBytes(collected.totalBytes)}; the biggest files: ${biggestFiles(collected)
        .map((f) => `${f.name} (${formatBytes(f.size)})`)
        .join(', ')}; list what the image does not need in .dockerignore`,
    );
  }
  const log = createWriteStream(logPath);
  const choice: BuilderChoice = request.builder ? { kind: request.builder, reason: 'asked for by the caller' } : await chooseBuilder(docker);
  if (choice.kind === 'buildkit') {
    const dockerfileText = readFileSync(join(request.contextDir, dockerfile), 'utf8');
    const frontend = frontendFor(dockerfileText, await frontendPresent(docker));
    log.write(`builder: BuildKit (${choice.reason})${frontend ? `, Dockerfile frontend ${frontend}` : ''}\n`);
    await loadAdvice();
    try {
      const built = await runBuildkitBuild(docker, request, contextTar(collected), log, { dockerfile, frontend });
      await new Promise((resolve) => log.end(resolve));
      request.onFinished?.([]);
      return { imageId: built.imageId, steps: built.steps, logPath, durationMs: Date.now() - started, builder: 'buildkit', builderReason: choice.reason };
    } catch (error) {
      if (!(error instanceof BuildkitUnavailable)) {
        await new Promise((resolve) => log.end(resolve));
        if (error instanceof DocklabError && !error.message.includes(logPath))
          throw new DocklabError(error.code, `${error.message}. Whole log: ${logPath}`, { details: error.details });
        throw error;
      }
      const fallback = fallBackToLegacy(error.message);
      request.onWarning?.(`note: ${fallback.reason}`);
      log.write(`${fallback.reason}\n`);
    }
  }
  const legacyReason = choice.kind === 'legacy' ? choice.reason : 'the engine refused BuildKit';
  // The engine turns each build label into a step of its own (a container
  // and a commit each); one LABEL line appended to a copy of the Dockerfile
  // costs one step. The copy travels in the context; the folder is untouched.
  const labelled = request.labels && Object.keys(request.labels).length > 0 ? labelledDockerfile(request, dockerfile) : undefined;
  const context = contextTar(collected, labelled ? [{ name: LABELLED_DOCKERFILE, content: labelled }] : []);

  const steps: BuildStep[] = [];
  const layers: string[] = [];
  let imageId = '';
  let errorText: string | undefined;
  try {
    const stream: NodeJS.ReadableStream = (await docker.buildImage(
      context as unknown as NodeJS.ReadableStream,
      {
        t: request.tag,
        dockerfile: labelled ? LABELLED_DOCKERFILE : dockerfile,
        abortSignal: request.signal,
        buildargs: request.buildArgs,
        networkmode: request.networkMode,
        nocache: request.noCache,
        rm: true,
        forcerm: true,
      } as Docker.ImageBuildOptions,
    )) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error) => (error ? reject(error) : resolve()),
        (event: { stream?: string; error?: string; aux?: { ID?: string } }) => {
          if (event.aux?.ID) imageId = event.aux.ID;
          if (event.error) errorText = event.error.trim();
          const text = event.stream ?? (event.error ? `ERROR: ${event.error}\n` : '');
          if (!text) return;
          log.write(text);
          for (const line of text.split('\n')) {
            if (!line.trim()) continue;
            request.onLine?.(line);
            if (/^Step \d+\/\d+ : /.test(line)) steps.push(legacyStep(line));
            else if (steps.length > 0) {
              const step = steps[steps.length - 1]!;
              if (line.trim() === '---> Using cache') step.cached = true;
              step.output.push(line);
              // What a step committed: its own unless it came from the cache; the FROM image is never ours.
              const committed = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
              if (committed && !step.cached && !/^Step \d+\/\d+ : FROM\b/i.test(step.instruction)) {
                layers.push(committed[1]!);
                request.onLayer?.(committed[1]!);
              }
            }
          }
          const built = /^Successfully built ([0-9a-f]+)/m.exec(text);
          if (built && !imageId) imageId = built[1]!;
        },
      );
    });
  } catch (error) {
    errorText ??= (error as Error).message;
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
  request.signal?.throwIfAborted();

  if (errorText !== undefined || !imageId) {
    const reason = errorText ?? 'the engine reported no image';
    const failing = steps[steps.length - 1];
    const tail = (failing?.output ?? []).filter((l) => !l.startsWith(' ---> ')).slice(-12);
    if (/no space left on device/i.test(reason) || tail.some((l) => /no space left on device/i.test(l))) {
      throw new DocklabError(
        'DOCKLAB_DISK_FULL',
        `the disk filled up while building ${request.tag}; free space (docker system prune, or delete files) and run again; nothing was tagged. Log: ${logPath}`,
      );
    }
    const from = /^Step \d+\/\d+ : FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(failing?.instruction ?? '');
    if (from && /pull access denied|not found|no such host|manifest unknown|repository does not exist|dial tcp/i.test(reason)) {
      const { whatCanBeHad } = await import('./provisioner.js');
      throw new DocklabError(
        'DOCKLAB_IMAGE_UNAVAILABLE',
        `the Dockerfile starts FROM ${from[1]}, which cannot be had here (no registry answers); ${whatCanBeHad(from[1]!)}`,
      );
    }
    throw new DocklabError(
      'DOCKLAB_IMAGE_BUILD_FAILED',
      `building ${request.tag} failed${failing ? ` at ${failing.instruction.replace(/^Step /, 'step ')}` : ''}: ${reason}. Whole log: ${logPath}`,
      { details: tail },
    );
  }
  request.onFinished?.(layers);
  return { imageId, steps, logPath, durationMs: Date.now() - started, builder: 'legacy', builderReason: legacyReason };
}

/** A step as the legacy builder announces it: "Step 3/7 : RUN npm install". */
function legacyStep(line: string): BuildStep {
  const command = line.replace(/^Step \d+\/\d+ : /, '').trim();
  return { instruction: line, command, keyword: command.split(/\s+/)[0]!.toUpperCase(), cached: false, output: [] };
}

const LABELLED_DOCKERFILE = '.docklab.Dockerfile';

function labelledDockerfile(request: BuildRequest, dockerfile: string): string {
  const source = join(request.contextDir, dockerfile);
  const pairs = Object.entries(request.labels!).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${readFileSync(source, 'utf8').replace(/\s*$/, '')}\nLABEL ${pairs.join(' ')}\n`;
}

/** `docker build DIR` reads DIR/Dockerfile, else DIR/dockerfile. */
export function defaultDockerfile(dir: string): string {
  return !existsSync(join(dir, 'Dockerfile')) && existsSync(join(dir, 'dockerfile')) ? 'dockerfile' : 'Dockerfile';
}

/**
 * A missing or empty Dockerfile, said in words before the engine says
 * "no build stage in current context".
 */
export function assertDockerfileUsable(dir: string, dockerfile: string): void {
  const path = join(dir, dockerfile);
  if (!existsSync(path)) {
    throw new DocklabError('DOCKLAB_SOLUTION_INCOMPLETE', `${path} does not exist: the folder needs a Dockerfile`);
  }
  const instructions = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (instructions.length === 0) {
    throw new DocklabError('DOCKLAB_SOLUTION_INCOMPLETE', `${path} is empty: a Dockerfile starts with a FROM line naming the base image`);
  }
}
