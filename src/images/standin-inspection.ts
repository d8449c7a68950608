import type Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { posix } from 'node:path';
import { LABEL } from '../engine/labels.js';
import { configDifferences, searchPath, type ImageConfigFacts, userDifferences, type ManifestRun, type StandInManifest } from './standin-manifest.js';

interface PathStat {
  name: string;
  mode: number;
  linkTarget: string;
}

/**
 * Holds an image against a manifest of the official image and returns one
 * line per difference (none: the image matches). Files are read from a
 * container that is created but never started, through the engine's archive
 * API, so images without a shell (FROM scratch) are inspected the same way.
 */
export async function manifestDifferences(docker: Docker, ref: string, manifest: StandInManifest): Promise<string[]> {
  const image = await docker.getImage(ref).inspect();
  const out = configDifferences(manifest.config, image.Config as unknown as ImageConfigFacts);
  const container = await docker.createContainer({
    Image: ref,
    Entrypoint: ['/docklab-inspection-never-started'],
    Cmd: [],
    Labels: { [LABEL.managed]: 'true', [LABEL.standin]: 'inspection' },
  });
  try {
    // A path present as a symbolic link counts even when its target is only there at run time (/dev/stdout).
    for (const path of manifest.paths?.present ?? []) {
      if (!(await statPath(container, path))) out.push(`path ${path}: missing`);
    }
    for (const path of manifest.paths?.absent ?? []) {
      if (await statPath(container, path)) out.push(`path ${path}: present, but the official image has no such file`);
    }
    if (manifest.users) out.push(...userDifferences(manifest.users, await readFile(container, '/etc/passwd')));
    const dirs = searchPath(image.Config.Env);
    for (const tool of manifest.tools?.present ?? []) {
      if (!(await findTool(container, dirs, tool))) out.push(`tool ${tool}: not on the PATH (${dirs.join(':')})`);
    }
    for (const tool of manifest.tools?.absent ?? []) {
      const found = await findTool(container, dirs, tool);
      if (found) out.push(`tool ${tool}: present as ${found}, but the official image has no ${tool}`);
    }
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
  for (const run of manifest.runs ?? []) out.push(...(await runDifferences(docker, ref, run)));
  return out;
}

async function statPath(container: Docker.Container, path: string): Promise<PathStat | undefined> {
  try {
    const response = (await container.infoArchive({ path })) as unknown as IncomingMessage;
    response.resume();
    const header = response.headers['x-docker-container-path-stat'];
    return header ? (JSON.parse(Buffer.from(String(header), 'base64').toString('utf8')) as PathStat) : { name: posix.basename(path), mode: 0, linkTarget: '' };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** A path that exists and, when it is a symbolic link, leads somewhere. */
async function resolvedStat(container: Docker.Container, path: string, hops = 0): Promise<PathStat | undefined> {
  const stat = await statPath(container, path);
  if (!stat || !stat.linkTarget || hops > 8) return stat;
  const target = posix.isAbsolute(stat.linkTarget) ? stat.linkTarget : posix.join(posix.dirname(path), stat.linkTarget);
  return resolvedStat(container, target, hops + 1);
}

/** Where a shell would find a command: the first PATH entry holding it (a link that leads somewhere counts). */
async function findTool(container: Docker.Container, dirs: string[], tool: string): Promise<string | undefined> {
  for (const dir of dirs) {
    const path = posix.join(dir, tool);
    if (await resolvedStat(container, path)) return path;
  }
  return undefined;
}

async function readFile(container: Docker.Container, path: string): Promise<string | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({ path })) as unknown as NodeJS.ReadableStream;
  } catch {
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return firstTarFile(Buffer.concat(chunks));
}

/** The content of the first regular file in a tar archive (the engine sends one file as a one-entry archive). */
export function firstTarFile(tar: Buffer): string | undefined {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = offset + 512;
    if (type === '0' || type === '\0') return tar.subarray(body, body + size).toString('utf8');
    offset = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

const RUN_TIMEOUT_MS = 60_000;

/** Starts the image with the run's arguments (its own entry point) and compares exit code and output. */
async function runDifferences(docker: Docker, ref: string, run: ManifestRun): Promise<string[]> {
  const container = await docker.createContainer({
    Image: ref,
    Cmd: run.args,
    Env: run.env,
    Labels: { [LABEL.managed]: 'true', [LABEL.standin]: 'inspection' },
  });
  try {
    await container.start();
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), RUN_TIMEOUT_MS).unref()),
    ]);
    if (!waited) return [`run "${run.title}": still running after ${RUN_TIMEOUT_MS / 1000} s`];
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const output = demux(logs);
    const out: string[] = [];
    const exitCode = run.exitCode ?? 0;
    if (waited.StatusCode !== exitCode) out.push(`run "${run.title}": exit ${waited.StatusCode}, expected ${exitCode}; output: ${output.slice(-300)}`);
    if (run.output !== undefined && !new RegExp(run.output, 'm').test(output)) {
      out.push(`run "${run.title}": output does not match /${run.output}/: ${output.slice(-300)}`);
    }
    return out;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** The engine's multiplexed log stream (no TTY) as text. */
function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
