import type Docker from 'dockerode';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { DocklabError } from '../errors.js';
import { stateDir } from '../util/state-dir.js';

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
}

export interface BuildStep {
  /** "Step 3/7 : RUN npm install", as the engine printed it. */
  instruction: string;
  cached: boolean;
  output: string[];
}

export interface BuildResult {
  imageId: string;
  steps: BuildStep[];
  logPath: string;
  durationMs: number;
}

/** Paths never sent to the engine: they are large and never belong in an image. */
const ALWAYS_IGNORED = ['node_modules', '.git'];

/**
 * Builds an image from a folder through the Engine API, keeps the whole log
 * in a file, and on failure reports the failing step with its last lines.
 */
export async function buildImage(docker: Docker, request: BuildRequest): Promise<BuildResult> {
  const started = Date.now();
  const logPath = join(stateDir('logs'), `build-${request.logName.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${started}.log`);
  const log = createWriteStream(logPath);
  const ignored = readDockerignore(request.contextDir);
  // The engine turns each build label into a step of its own (a container
  // and a commit each); one LABEL line appended to a copy of the Dockerfile
  // costs one step. The copy travels in the context; the folder is untouched.
  const labelled = request.labels && Object.keys(request.labels).length > 0 ? labelledDockerfile(request) : undefined;
  const context = pack(request.contextDir, {
    ignore: (name) => {
      const relative = name.slice(request.contextDir.length + 1);
      return [...ALWAYS_IGNORED, ...ignored].some((p) => relative === p || relative.startsWith(`${p}/`));
    },
    finalize: !labelled,
    finish: labelled ? (p) => p.entry({ name: LABELLED_DOCKERFILE }, labelled, () => p.finalize()) : undefined,
  });

  const steps: BuildStep[] = [];
  let imageId = '';
  let errorText: string | undefined;
  try {
    const stream: NodeJS.ReadableStream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: request.tag,
      dockerfile: labelled ? LABELLED_DOCKERFILE : request.dockerfile,
      buildargs: request.buildArgs,
      networkmode: request.networkMode,
      nocache: request.noCache,
      rm: true,
      forcerm: true,
    } as Docker.ImageBuildOptions) as unknown as NodeJS.ReadableStream;
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
            if (/^Step \d+\/\d+ : /.test(line)) steps.push({ instruction: line, cached: false, output: [] });
            else if (steps.length > 0) {
              const step = steps[steps.length - 1]!;
              if (line.trim() === '---> Using cache') step.cached = true;
              step.output.push(line);
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
      throw new DocklabError('DOCKLAB_IMAGE_UNAVAILABLE', `the Dockerfile starts FROM ${from[1]}, which cannot be had here (no registry answers); ${whatCanBeHad(from[1]!)}`);
    }
    throw new DocklabError(
      'DOCKLAB_IMAGE_BUILD_FAILED',
      `building ${request.tag} failed${failing ? ` at ${failing.instruction.replace(/^Step /, 'step ')}` : ''}: ${reason}. Whole log: ${logPath}`,
      { details: tail },
    );
  }
  return { imageId, steps, logPath, durationMs: Date.now() - started };
}

const LABELLED_DOCKERFILE = '.docklab.Dockerfile';

function labelledDockerfile(request: BuildRequest): string {
  const source = join(request.contextDir, request.dockerfile ?? 'Dockerfile');
  if (!existsSync(source)) {
    throw new DocklabError('DOCKLAB_SOLUTION_INCOMPLETE', `${source} does not exist: the folder needs a Dockerfile`);
  }
  const pairs = Object.entries(request.labels!).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${readFileSync(source, 'utf8').replace(/\s*$/, '')}\nLABEL ${pairs.join(' ')}\n`;
}

function readDockerignore(dir: string): string[] {
  const path = join(dir, '.dockerignore');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim().replace(/^\.\//, '').replace(/\/$/, ''))
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!') && !/[*?[]/.test(l));
}
