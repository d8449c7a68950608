import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DOCKLAB_VERSION } from '../version.js';

/** Every resource docklab creates carries these labels; teardown finds them by them. */
export const LABEL = {
  managed: 'io.docklab',
  lab: 'io.docklab.lab',
  run: 'io.docklab.run',
  version: 'io.docklab.version',
  owner: 'io.docklab.owner',
  keep: 'io.docklab.keep',
  standin: 'io.docklab.standin',
  compose: 'io.docklab.compose-project',
} as const;

/** A short id for one docklab process: names and labels of its resources carry it. */
export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Who owns a resource: host, pid and the pid's start time. The start time
 * guards against pid reuse: a pid that is alive but started at another time
 * is a different process, so its resources are orphans.
 */
export function currentOwner(): string {
  return `${hostname()}/${process.pid}/${processStartTime(process.pid) ?? ''}`;
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export interface RunLabels {
  lab: string;
  run: string;
  keep?: boolean;
}

export function labelsFor({ lab, run, keep }: RunLabels): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.managed]: 'true',
    [LABEL.lab]: lab,
    [LABEL.run]: run,
    [LABEL.version]: DOCKLAB_VERSION,
    [LABEL.owner]: currentOwner(),
  };
  if (keep) labels[LABEL.keep] = 'true';
  return labels;
}

/** Resource names start with docklab-<lab>- so that a person can tell them apart. */
export function resourceName(lab: string, run: string, what: string): string {
  return `docklab-${lab}-${run}-${what}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
}
