import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-fs';
import { DocklabError } from '../errors.js';

/**
 * A Swarm config holds less than 1000 KiB (the engine refuses 1,024,000
 * bytes and more); a learner's folder travels to its grader as one config.
 */
export const SWARM_CONFIG_MAX_BYTES = 1_024_000 - 1;

/** The learner's folder as a tar (symlinks as symlinks, modes kept), as the grader unpacks it. */
export async function packLearner(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = tar.pack(dir);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Every learner's folder packed, or one line saying whose folder is too
 * big, by how much, and what in it weighs most: nothing is created on the
 * swarm before every folder fits.
 */
export async function packClass(root: string, learners: string[]): Promise<Buffer[]> {
  const archives: Buffer[] = [];
  const over: string[] = [];
  for (const name of learners) {
    const archive = await packLearner(join(root, name));
    if (archive.length > SWARM_CONFIG_MAX_BYTES) {
      over.push(`${name} (${kib(archive.length)} as a tar; remove ${heaviestEntries(join(root, name)).join(', ')})`);
    }
    archives.push(archive);
  }
  if (over.length > 0) {
    throw new DocklabError(
      'DOCKLAB_SWARM_CONFIG_TOO_LARGE',
      `a learner's folder travels to the swarm as one config of at most ${kib(SWARM_CONFIG_MAX_BYTES + 1)}; over it: ${over.join('; ')}`,
    );
  }
  return archives;
}

/** The three heaviest entries at the top of a folder (a subfolder counts with all it holds). */
export function heaviestEntries(dir: string, count = 3): string[] {
  const weigh = (path: string): number => {
    const stat = lstatSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((sum, entry) => sum + weigh(join(path, entry)), 0);
  };
  return readdirSync(dir, { withFileTypes: true })
    .map((entry) => ({ name: entry.isDirectory() ? `${entry.name}/` : entry.name, size: weigh(join(dir, entry.name)) }))
    .sort((a, b) => b.size - a.size)
    .slice(0, count)
    .map((e) => `${e.name} (${kib(e.size)})`);
}

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;
