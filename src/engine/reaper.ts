import type Docker from 'dockerode';
import { hostname } from 'node:os';
import { LABEL, processStartTime } from './labels.js';
import { tearDown, type RemovedResource } from './teardown.js';

/**
 * Finds runs whose owning docklab process is gone (killed, crashed, the
 * terminal closed) and removes their resources. No sidecar is needed: every
 * resource names its owner (host/pid/start time), and every docklab command
 * that touches the engine sweeps first. Runs started with --keep are spared,
 * and so are runs owned by another host, whose processes we cannot see.
 */
export async function reapOrphans(docker: Docker): Promise<RemovedResource[]> {
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`] });
  const [containers, networks, volumes, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Array<{ Labels?: Record<string, string> }>>,
    docker.listVolumes({ filters }).then((r) => r.Volumes ?? []),
    docker.listImages({ filters }),
  ]);
  const orphanRuns = new Set<string>();
  for (const labels of [...containers, ...networks, ...volumes, ...images].map((r) => r.Labels ?? {})) {
    const run = labels[LABEL.run];
    if (run && labels[LABEL.keep] !== 'true' && isOrphan(labels[LABEL.owner])) orphanRuns.add(run);
  }
  if (orphanRuns.size === 0) return [];
  return tearDown(docker, { runs: [...orphanRuns], images: true, spareKept: true });
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
