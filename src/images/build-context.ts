import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { DocklabError } from '../errors.js';

/**
 * The build context as `docker build DIR` sends it: every entry of the
 * folder except what .dockerignore excludes (its own pattern language,
 * with `!` exceptions and `**`), the Dockerfile and .dockerignore always
 * included; symlinks sent as symlinks, never followed; modes kept, owner
 * 0:0; names sent byte for byte, whatever their encoding.
 *
 * Names are handled as raw bytes (Buffers) throughout. For matching they
 * are read as latin1, one character per byte, and so is .dockerignore, so
 * that a pattern matches the same bytes docker's matcher would.
 */
export interface ContextEntry {
  /** Path inside the context, '/'-separated, raw bytes. */
  name: Buffer;
  path: Buffer;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkTarget?: Buffer;
}

export interface BuildContext {
  entries: ContextEntry[];
  totalBytes: number;
}

/** A context over this size gets a warning naming its biggest files. */
export const LARGE_CONTEXT_BYTES = 100 * 1024 * 1024;

type Matcher = { ignores(path: string): boolean };
const require = createRequire(import.meta.url);

function dockerignoreMatcher(dir: string): { matcher: Matcher; hasExceptions: boolean } {
  const file = `${dir}/.dockerignore`;
  const lines = existsSync(file) ? readFileSync(file).toString('latin1').split(/\r?\n/) : [];
  const ignore = require('@balena/dockerignore') as (options?: object) => Matcher & { add(patterns: string[]): Matcher };
  const matcher = ignore().add(lines);
  return { matcher, hasExceptions: lines.some((l) => l.trim().startsWith('!')) };
}

/** Reads the folder as the build will see it. `keep` names files sent even when ignored. */
export function collectContext(dir: string, keep: string[] = ['Dockerfile', 'dockerfile', '.dockerignore']): BuildContext {
  const { matcher, hasExceptions } = dockerignoreMatcher(dir);
  const entries: ContextEntry[] = [];
  let totalBytes = 0;
  const root = Buffer.from(dir);
  const walk = (relative: Buffer | undefined) => {
    const absolute = relative ? Buffer.concat([root, Buffer.from('/'), relative]) : root;
    let names: Buffer[];
    try {
      names = readdirSync(absolute, { encoding: 'buffer' }) as Buffer[];
    } catch (error) {
      throw unreadable(absolute, error);
    }
    names.sort(Buffer.compare);
    for (const raw of names) {
      const name = relative ? Buffer.concat([relative, Buffer.from('/'), raw]) : raw;
      const path = Buffer.concat([root, Buffer.from('/'), name]);
      const text = name.toString('latin1');
      let stat: Stats;
      try {
        stat = lstatSync(path);
      } catch (error) {
        throw unreadable(path, error);
      }
      const ignored = matcher.ignores(text) && !(relative === undefined && keep.includes(text));
      if (stat.isDirectory()) {
        // An excluded folder is still walked when an exception could bring something in it back.
        if (!ignored) entries.push(entryOf(name, path, 'directory', stat));
        if (!ignored || hasExceptions) walk(name);
      } else if (ignored) {
        continue;
      } else if (stat.isSymbolicLink()) {
        entries.push({ ...entryOf(name, path, 'symlink', stat), linkTarget: readlinkSync(path, { encoding: 'buffer' }) as Buffer });
      } else if (stat.isFile()) {
        entries.push(entryOf(name, path, 'file', stat));
        totalBytes += stat.size;
      }
      // Sockets, pipes and devices are not sent, as docker build does not send them.
    }
  };
  walk(undefined);
  return { entries, totalBytes };
}

function entryOf(name: Buffer, path: Buffer, type: ContextEntry['type'], stat: Stats): ContextEntry {
  return { name, path, type, mode: stat.mode & 0o7777, size: type === 'file' ? stat.size : 0, mtime: stat.mtime };
}

function unreadable(path: Buffer, error: unknown): DocklabError {
  return new DocklabError(
    'DOCKLAB_IMAGE_BUILD_FAILED',
    `cannot read ${path.toString()} for the build context: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
  );
}

/** The biggest files, for the warning about a large context. */
export function biggestFiles(context: BuildContext, count = 5): Array<{ name: string; size: number }> {
  return context.entries
    .filter((e) => e.type === 'file')
    .sort((a, b) => b.size - a.size)
    .slice(0, count)
    .map((e) => ({ name: e.name.toString(), size: e.size }));
}

/** The context as a tar stream; `extra` files are appended at the root (a labelled copy of the Dockerfile). */
export function contextTar(context: BuildContext, extra: Array<{ name: string; content: string }> = []): Readable {
  return Readable.from(tarChunks(context, extra), { objectMode: false });
}

async function* tarChunks(context: BuildContext, extra: Array<{ name: string; content: string }>): AsyncGenerator<Buffer> {
  for (const entry of context.entries) {
    const name = entry.type === 'directory' ? Buffer.concat([entry.name, Buffer.from('/')]) : entry.name;
    yield* headerBlocks({ name, mode: entry.mode, size: entry.size, mtime: entry.mtime, type: entry.type, linkTarget: entry.linkTarget });
    if (entry.type === 'file' && entry.size > 0) yield* fileBlocks(entry);
  }
  for (const file of extra) {
    const content = Buffer.from(file.content);
    yield* headerBlocks({ name: Buffer.from(file.name), mode: 0o644, size: content.length, mtime: new Date(), type: 'file' });
    yield content;
    yield padding(content.length);
  }
  yield Buffer.alloc(1024);
}

function* fileBlocks(entry: ContextEntry): Generator<Buffer> {
  const fd = openSync(entry.path, 'r');
  try {
    let left = entry.size;
    while (left > 0) {
      const chunk = Buffer.alloc(Math.min(left, 1 << 20));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      // A file that shrank while being sent is padded to the size its header promised.
      if (read === 0) {
        yield Buffer.alloc(left);
        break;
      }
      yield read === chunk.length ? chunk : chunk.subarray(0, read);
      left -= read;
    }
  } finally {
    closeSync(fd);
  }
  yield padding(entry.size);
}

function padding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

const TYPE_FLAGS = { file: '0', symlink: '2', directory: '5' } as const;

interface Header {
  name: Buffer;
  mode: number;
  size: number;
  mtime: Date;
  type: keyof typeof TYPE_FLAGS;
  linkTarget?: Buffer;
}

/** One ustar header, preceded by a PAX header when a name does not fit its field. */
export function* headerBlocks(header: Header): Generator<Buffer> {
  const link = header.linkTarget ?? Buffer.alloc(0);
  if (header.name.length > 100 || link.length > 100) {
    const records = Buffer.concat([paxRecord('path', header.name), ...(link.length > 100 ? [paxRecord('linkpath', link)] : [])]);
    yield ustar({ name: Buffer.from('././@PaxHeader'), mode: 0o644, size: records.length, mtime: header.mtime, flag: 'x' });
    yield records;
    yield padding(records.length);
  }
  yield ustar({
    name: header.name.subarray(0, 100),
    mode: header.mode,
    size: header.size,
    mtime: header.mtime,
    flag: TYPE_FLAGS[header.type],
    link: link.subarray(0, 100),
  });
}

/** "<length> key=value\n", where the length counts itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function ustar(h: { name: Buffer; mode: number; size: number; mtime: Date; flag: string; link?: Buffer }): Buffer {
  const block = Buffer.alloc(512);
  h.name.copy(block, 0);
  octal(block, 100, 8, h.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, h.size);
  octal(block, 136, 12, Math.max(0, Math.floor(h.mtime.getTime() / 1000)));
  block.fill(' ', 148, 156);
  block.write(h.flag, 156, 'latin1');
  h.link?.copy(block, 157);
  block.write('ustar\u000000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  octal(block, 148, 7, sum);
  return block;
}

function octal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, offset, 'latin1');
}
