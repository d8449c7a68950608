import type Docker from 'dockerode';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { LABEL, processStartTime } from './labels.js';
import { listRunFolders } from './run-folder.js';
import { tearDown, tearDownRunFiles, type RemovedResource } from './teardown.js';

/**
 * Finds runs whose owning docklab process is gone (killed, crashed, the
 * terminal closed) and removes their resources. No sidecar is needed: every
 * resource names its owner (host/pid/start time), and every docklab command
 * that touches the engine sweeps first. Runs started with --keep are spared,
 * and so are runs owned by another host, whose processes we cannot see.
 */
export async function reapOrphans(docker: Docker, options: ReapOptions = {}): Promise<RemovedResource[]> {
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`] });
  const [containers, networks, volumes, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Array<{ Labels?: Record<string, string> }>>,
    docker.listVolumes({ filters }).then((r) => r.Volumes ?? []),
    options.beforeRun ? Promise.resolve([]) : docker.listImages({ filters }),
  ]);
  const orphanRuns = new Set<string>();
  for (const labels of [...containers, ...networks, ...volumes, ...images].map((r) => r.Labels ?? {})) {
    const run = labels[LABEL.run];
    if (run && labels[LABEL.keep] !== 'true' && isOrphan(labels[LABEL.owner])) orphanRuns.add(run);
  }
  // A run killed before it made anything on the engine still has its folder.
  const folders = listRunFolders();
  for (const folder of folders) if (isOrphan(folder.owner)) orphanRuns.add(folder.runId);
  if (orphanRuns.size === 0) return [];
  // A helper of a killed run (a Compose command) may still be making things: stop it before tearing down.
  stopHelpersOf([...orphanRuns]);
  const removed = await tearDown(docker, { runs: [...orphanRuns], images: true, spareKept: true });
  for (const runId of orphanRuns) {
    if (!folders.some((f) => f.runId === runId)) continue;
    removed.push(...(await tearDownRunFiles(docker, runId, { keepBuildCache: false })));
  }
  return removed;
}

export interface ReapOptions {
  /**
   * The sweep before a run: only what can stand in a new run's way (containers holding ports and names,
   * networks, volumes, run folders). Listing images costs as much as the rest together on an engine with
   * many images, and an image of a killed run blocks nothing: its run folder is found, or the next
   * `docklab down`, `images` or `doctor` finds the image by its label.
   */
  beforeRun?: boolean;
}

export function isOrphan(owner: string | undefined, ownHost = hostname()): boolean {
  if (!owner) return false;
  const [host, pidText, startTime] = owner.split('/');
  if (host !== ownHost) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!isAlive(pid)) return true;
  // Alive, but a different process that reused the pid?
  return Boolean(startTime) && processStartTime(pid) !== startTime;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Compose commands on this host still working for the given runs: their
 * command lines name the run's project (`-p docklab-10-<run>`). Linux only;
 * a process that cannot be read or signalled is left alone.
 */
export function stopHelpersOf(runIds: string[]): number[] {
  if (process.platform !== 'linux' || runIds.length === 0) return [];
  const pattern = new RegExp(` -p docklab-\\d+-(${runIds.map((r) => r.replace(/[^a-z0-9]/gi, '')).join('|')}) `);
  const stopped: number[] = [];
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = `${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')} `;
      if (!pattern.test(cmdline)) continue;
      process.kill(Number(pid), 'SIGKILL');
      stopped.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to signal
    }
  }
  return stopped;
}
