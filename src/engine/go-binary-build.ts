import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';

/** A program docklab builds from its Go module, as the Go module proxy serves it. */
export interface GoBinarySpec {
  /** The file name in the cache: docker-compose, docker-buildx, dockerfile-frontend. */
  name: string;
  /** The module path: github.com/docker/compose/v2. */
  module: string;
  /** The module version: v2.40.3. */
  version: string;
  /** The main package, relative to the module root: ./cmd. */
  mainPackage: string;
  /** -X settings that stamp the version into the binary, as the project's own release build does. */
  versionVariables?: Record<string, string>;
  /** Build tags (the Dockerfile frontend's static build). */
  tags?: string[];
  /** Without cgo: a binary that needs no C library (an image FROM scratch holds nothing else). */
  static?: boolean;
}

export interface GoBinaryOptions {
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Where docklab keeps what it built once for every later run: $DOCKLAB_CACHE_DIR, else $XDG_CACHE_HOME/docklab, else ~/.cache/docklab. */
export function cacheDir(...parts: string[]): string {
  const base = process.env.DOCKLAB_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docklab');
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The cached binary of a spec: one file per name and version, so a version change builds anew. */
export function cachedBinaryPath(spec: GoBinarySpec): string {
  return join(cacheDir('tools'), `${spec.name}-${spec.version}`);
}

/**
 * The Go toolchain: $DOCKLAB_GO, else `go` on the PATH, else the usual
 * install folder (/usr/local/go), which a non-login shell may not have on
 * its PATH. Undefined when none answers.
 */
export async function findGo(): Promise<{ command: string; version: string } | undefined> {
  const candidates = [process.env.DOCKLAB_GO, 'go', '/usr/local/go/bin/go', join(homedir(), 'go', 'bin', 'go')].filter((c): c is string => Boolean(c));
  for (const command of candidates) {
    const { execa } = await import('execa');
    const answer = await execa(command, ['env', 'GOVERSION'], { reject: false, timeout: 30_000 }).catch(() => undefined);
    if (answer?.exitCode === 0 && answer.stdout.trim().startsWith('go')) return { command, version: answer.stdout.trim() };
  }
  return undefined;
}

/**
 * Builds a Go program from its module and keeps the binary in docklab's
 * cache: a second call (and a warm machine's `npm run setup`) returns at once.
 *
 * The module's source is fetched the ordinary way (`go mod download`, from
 * the proxy that `go env GOPROXY` names) and built in a writable copy, because
 * modules such as Compose carry `exclude` directives, which `go install
 * module@version` refuses. `-mod=mod` lets the build complete go.sum where
 * the module's own copy is missing lines for this Go version. The binary is
 * renamed into place only once complete, so two set-ups at once never see
 * half a file.
 */
export async function buildGoBinary(spec: GoBinarySpec, options: GoBinaryOptions = {}): Promise<{ path: string; built: boolean; durationMs: number }> {
  const path = cachedBinaryPath(spec);
  if (isExecutableFile(path)) return { path, built: false, durationMs: 0 };
  const started = Date.now();
  const go = await findGo();
  if (!go) {
    throw new DocklabError(
      'DOCKLAB_SETUP_FAILED',
      `building ${spec.name} ${spec.version} needs Go (1.24 or newer): install it (https://go.dev/doc/install) or set DOCKLAB_GO to its \`go\` command, then run \`npm run setup\` again`,
    );
  }
  const env = { ...process.env, GOFLAGS: mergeGoFlags(process.env.GOFLAGS, '-mod=mod'), ...(spec.static ? { CGO_ENABLED: '0' } : {}) };
  // Loaded here, not at the top: this module is on every run's import path, builds are rare.
  const { execa } = await import('execa');
  const run = async (args: string[], cwd?: string) => {
    options.signal?.throwIfAborted();
    const child = execa(go.command, args, { cwd, env, all: true, reject: false, cancelSignal: options.signal, forceKillAfterDelay: 3_000 });
    child.all?.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => options.onLine?.(l)),
    );
    const result = await child;
    if (result.isCanceled) options.signal?.throwIfAborted();
    if (result.exitCode !== 0) {
      const tail = String(result.all ?? '')
        .split('\n')
        .filter(Boolean)
        .slice(-8);
      throw new DocklabError(
        'DOCKLAB_SETUP_FAILED',
        `\`go ${args[0]}\` for ${spec.module}@${spec.version} failed (exit ${result.exitCode}); \`go env GOPROXY\` names where modules come from`,
        { details: tail },
      );
    }
    return String(result.stdout ?? '');
  };

  options.onLine?.(`fetching ${spec.module}@${spec.version}`);
  const downloaded = JSON.parse(await run(['mod', 'download', '-json', `${spec.module}@${spec.version}`], cacheDir('tools'))) as {
    Dir?: string;
    Error?: string;
  };
  if (!downloaded.Dir)
    throw new DocklabError('DOCKLAB_SETUP_FAILED', `go mod download ${spec.module}@${spec.version}: ${downloaded.Error ?? 'no source folder'}`);

  const work = join(cacheDir('tools'), `.work-${spec.name}-${process.pid}-${started}`);
  const output = `${path}.partial-${process.pid}`;
  try {
    // The module cache is read-only; the build may write go.sum.
    cpSync(downloaded.Dir, work, { recursive: true });
    makeWritable(work);
    const ldflags = ['-s', '-w', ...Object.entries(spec.versionVariables ?? {}).map(([k, v]) => `-X ${k}=${v}`)].join(' ');
    options.onLine?.(`building ${spec.name} ${spec.version} with ${go.version}`);
    await run(['build', '-trimpath', ...(spec.tags?.length ? ['-tags', spec.tags.join(' ')] : []), '-ldflags', ldflags, '-o', output, spec.mainPackage], work);
    chmodSync(output, 0o755);
    renameSync(output, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(output, { force: true });
  }
  return { path, built: true, durationMs: Date.now() - started };
}

/** Leftovers of builds that were killed: work folders and partial binaries of processes that are gone. */
export function removeStaleBuildLeftovers(): void {
  const dir = cacheDir('tools');
  for (const entry of readdirSync(dir)) {
    const pid = /^\.work-.+-(\d+)-\d+$/.exec(entry)?.[1] ?? /\.partial-(\d+)$/.exec(entry)?.[1];
    if (pid && !processAlive(Number(pid))) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mergeGoFlags(existing: string | undefined, flag: string): string {
  const words = (existing ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-mod='));
  return [...words, flag].join(' ');
}

function isExecutableFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && (stat.mode & 0o111) !== 0 && stat.size > 0;
  } catch {
    return false;
  }
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(full);
    else if (entry.isFile()) chmodSync(full, 0o644);
  }
}

export function goBinaryExists(spec: GoBinarySpec): boolean {
  return existsSync(cachedBinaryPath(spec)) && isExecutableFile(cachedBinaryPath(spec));
}
