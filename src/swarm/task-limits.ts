import { DocklabError } from '../errors.js';

/** --limit-cpu: CPUs per learner task, as `docker service create --limit-cpu` takes them (0.5, 2). */
export function parseCpuLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const cpus = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !(cpus > 0) || cpus > 1024) {
    throw new DocklabError('DOCKLAB_USAGE', `--limit-cpu takes a number of CPUs above 0, such as 0.5 or 2, not '${value}'`);
  }
  return cpus;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** --limit-memory: bytes per learner task, from 512m, 2g, 1.5g or a plain number of bytes; at least 6 MiB as the engine wants. */
export function parseMemoryLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)i?b?\s*$/i.exec(value);
  const bytes = match ? Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!) : NaN;
  if (!match || !(bytes >= 6 * 1024 ** 2)) {
    throw new DocklabError('DOCKLAB_USAGE', `--limit-memory takes a size of at least 6m, such as 512m or 2g, not '${value}'`);
  }
  return bytes;
}
