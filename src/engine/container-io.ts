import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a running container and collects its two streams apart. */
export async function execIn(docker: Docker, containerId: string, cmd: string[], options: { user?: string; env?: string[] } = {}): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, User: options.user, Env: options.env });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const out = new PassThrough().on('data', (c: Buffer) => stdout.push(c));
  const err = new PassThrough().on('data', (c: Buffer) => stderr.push(c));
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const inspected = await exec.inspect();
  return { exitCode: inspected.ExitCode ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/** The last lines a container wrote, both streams, without the engine's 8-byte frame headers. */
export async function logTail(docker: Docker, containerId: string, lines = 15): Promise<string[]> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect().catch(() => undefined);
  const raw: unknown = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false });
  // The engine's HTTP client parses a body that happens to be valid JSON
  // (a TTY log that reads "12.7"): take such a value back as text.
  const text = !Buffer.isBuffer(raw) ? String(raw) : info?.Config?.Tty ? raw.toString('utf8') : demuxBuffer(raw).all;
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-lines);
}

/** Splits a multiplexed log buffer (stream type, 3 zero bytes, 4-byte length, payload). */
export function demuxBuffer(raw: Buffer): { stdout: string; stderr: string; all: string } {
  let offset = 0;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  while (offset + 8 <= raw.length) {
    const type = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    const payload = raw.subarray(offset + 8, offset + 8 + size);
    if (type === 2) err.push(payload);
    else out.push(payload);
    all.push(payload);
    offset += 8 + size;
  }
  if (offset === 0 && raw.length > 0 && (raw[0]! > 2 || raw[1] !== 0)) return { stdout: raw.toString('utf8'), stderr: '', all: raw.toString('utf8') };
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), all: Buffer.concat(all).toString('utf8') };
}
