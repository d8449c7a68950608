import type Docker from 'dockerode';
import { LABEL } from '../engine/labels.js';
import { tearDown, type RemovedResource } from '../engine/teardown.js';

/** Grader containers carry this label; their hostnames start with GRADER_HOST_PREFIX and the task id. */
export const GRADER_LABEL = 'io.docklab.grader';
export const GRADER_HOST_PREFIX = 'dlg-';

/**
 * The reaper of a Swarm node, run by grader tasks on the node they run on.
 * A grader's runs are owned by the grader's hostname (dlg-<task id>); a run
 * whose grader no longer runs here (its task was stopped, its node died and
 * came back, the class was interrupted) is removed by label, as the local
 * reaper removes the runs of a dead process. Runs of docklab started on the
 * node by hand are never touched: their owner is the node's own hostname.
 */
export async function sweepGraderOrphans(docker: Docker): Promise<RemovedResource[]> {
  const graders = await docker.listContainers({ filters: JSON.stringify({ label: [GRADER_LABEL], status: ['running', 'created', 'restarting'] }) });
  const live = new Set<string>();
  for (const grader of graders) {
    const hostname = await docker
      .getContainer(grader.Id)
      .inspect()
      .then((c) => c.Config.Hostname)
      .catch(() => undefined);
    if (hostname) live.add(hostname);
  }
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`] });
  const [containers, networks, volumes, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Array<{ Labels?: Record<string, string> }>>,
    docker.listVolumes({ filters }).then((r) => r.Volumes ?? []),
    docker.listImages({ filters }),
  ]);
  const orphans = new Set<string>();
  for (const labels of [...containers, ...networks, ...volumes, ...images].map((r) => r.Labels ?? {})) {
    const host = labels[LABEL.owner]?.split('/')[0] ?? '';
    if (labels[LABEL.run] && host.startsWith(GRADER_HOST_PREFIX) && !live.has(host)) orphans.add(labels[LABEL.run]!);
  }
  if (orphans.size === 0) return [];
  return tearDown(docker, { runs: [...orphans], images: true });
}
