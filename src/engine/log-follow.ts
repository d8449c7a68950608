import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { demuxBuffer } from './container-io.js';

export interface LogLine {
  stream: 'stdout' | 'stderr' | 'tty';
  text: string;
  /** When the engine received the line (ms since the epoch). */
  time?: number;
}

export interface FollowOptions {
  /** Only lines written after this time (seconds since the epoch), as `docker logs --since`. */
  since?: number;
  /** Start with at most this many earlier lines, as `docker logs --tail`. */
  tail?: number;
  /** Stop following after this long. */
  timeoutMs: number;
  /** Stop as soon as the lines so far satisfy this. */
  until?: (lines: LogLine[]) => boolean;
}

/**
 * Follows a container's logs like `docker logs -f --since --tail`, keeping
 * stdout and stderr apart (a container with a terminal has one merged
 * stream, reported as 'tty'), for a bounded time.
 */
export async function followLogs(docker: Docker, containerId: string, options: FollowOptions): Promise<LogLine[]> {
  const container = docker.getContainer(containerId);
  const tty = Boolean((await container.inspect()).Config.Tty);
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    since: options.since,
    tail: options.tail,
    timestamps: true,
  } as Docker.ContainerLogsOptions & { follow: true })) as NodeJS.ReadableStream & { destroy?: () => void };
  const lines: LogLine[] = [];
  const partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '', tty: '' };
  return new Promise<LogLine[]>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const kind of Object.keys(partial) as Array<LogLine['stream']>) if (partial[kind].trim()) lines.push(stamped(kind, partial[kind].trimEnd()));
      stream.destroy?.();
      resolve(lines);
    };
    const take = (kind: LogLine['stream']) => (chunk: Buffer) => {
      const text = partial[kind] + chunk.toString('utf8');
      const parts = text.split('\n');
      partial[kind] = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) lines.push(stamped(kind, part.replace(/\r$/, '')));
      if (options.until?.(lines)) finish();
    };
    const timer = setTimeout(finish, options.timeoutMs);
    if (tty) {
      stream.on('data', take('tty'));
    } else {
      const out = new PassThrough().on('data', take('stdout'));
      const err = new PassThrough().on('data', take('stderr'));
      docker.modem.demuxStream(stream, out, err);
    }
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}

/** Splits the engine's RFC 3339 timestamp off the front of a line. */
function stamped(stream: LogLine['stream'], line: string): LogLine {
  const match = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) ?(.*)$/s.exec(line);
  return match ? { stream, text: match[2]!, time: Date.parse(match[1]!) } : { stream, text: line };
}

/** A container's whole log so far, the two streams apart (or one 'tty' stream). */
export async function readLogs(docker: Docker, containerId: string): Promise<{ tty: boolean; stdout: string[]; stderr: string[]; all: string[] }> {
  const container = docker.getContainer(containerId);
  const tty = Boolean((await container.inspect()).Config.Tty);
  const raw: unknown = await container.logs({ stdout: true, stderr: true, follow: false });
  const split = (text: string) =>
    text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim());
  if (!Buffer.isBuffer(raw) || tty) {
    const all = split(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw));
    return { tty, stdout: tty ? [] : all, stderr: [], all };
  }
  const parts = demuxBuffer(raw);
  return { tty, stdout: split(parts.stdout), stderr: split(parts.stderr), all: split(parts.all) };
}
