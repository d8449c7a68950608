import type Docker from 'dockerode';
import { LABEL } from './labels.js';

export interface RemovedResource {
  kind: 'container' | 'network' | 'volume' | 'image';
  name: string;
  run?: string;
}

export interface TeardownScope {
  /** Only resources of these labs (ids as in the io.docklab.lab label). */
  labs?: string[];
  /** Only resources of these runs. */
  runs?: string[];
  /** Also images that docklab built for labs (never the stand-ins). */
  images?: boolean;
  /**
   * Keep the untagged layers under removed images: they are the build cache
   * that makes the next run of a lab quick. `docklab down --images` clears them.
   */
  keepBuildCache?: boolean;
  /** Leave resources of runs started with --keep alone. */
  spareKept?: boolean;
}

interface Labelled {
  Labels?: Record<string, string> | null;
}

function inScope(labels: Record<string, string> | null | undefined, scope: TeardownScope): boolean {
  // A run label as well: labels pass from an image to its containers, so
  // io.docklab alone could mark a learner's container made from a lab image.
  if (!labels || labels[LABEL.managed] !== 'true' || !labels[LABEL.run]) return false;
  if (scope.labs && !scope.labs.includes(labels[LABEL.lab] ?? '')) return false;
  if (scope.runs && !scope.runs.includes(labels[LABEL.run] ?? '')) return false;
  if (scope.spareKept && labels[LABEL.keep] === 'true') return false;
  return true;
}

/**
 * Removes what docklab made, found by label: containers first (they hold
 * networks and volumes), then networks, volumes and, when asked, images.
 * A resource that vanished meanwhile is not an error: two teardowns may race.
 */
export async function tearDown(docker: Docker, scope: TeardownScope): Promise<RemovedResource[]> {
  const removed: RemovedResource[] = [];
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`] });

  const [containers, networks, volumeList, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }) as Promise<Array<Docker.NetworkInspectInfo & Labelled>>,
    docker.listVolumes({ filters }),
    scope.images ? docker.listImages({ filters }) : Promise.resolve([]),
  ]);
  await Promise.all(
    containers
      .filter((c) => inScope(c.Labels, scope))
      .map(async (c) => {
        await ignoreGone(docker.getContainer(c.Id).remove({ force: true, v: true }));
        removed.push({ kind: 'container', name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12), run: c.Labels[LABEL.run] });
      }),
  );

  for (const n of networks.filter((n) => inScope(n.Labels, scope))) {
    await ignoreGone(docker.getNetwork(n.Id).remove());
    removed.push({ kind: 'network', name: n.Name, run: n.Labels?.[LABEL.run] });
  }

  const volumes = volumeList.Volumes ?? [];
  for (const v of volumes.filter((v) => inScope(v.Labels, scope))) {
    await ignoreGone(docker.getVolume(v.Name).remove());
    removed.push({ kind: 'volume', name: v.Name, run: v.Labels?.[LABEL.run] });
  }

  if (scope.images) {
    for (const image of images.filter((i) => inScope(i.Labels, scope))) {
      await ignoreGone(docker.getImage(image.Id).remove({ force: true, noprune: scope.keepBuildCache }));
      removed.push({ kind: 'image', name: image.RepoTags?.[0] ?? image.Id.slice(7, 19), run: image.Labels?.[LABEL.run] });
    }
  }
  return removed;
}

async function ignoreGone(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 404: already gone; 409 on a network or volume: still in use by a
    // resource outside the scope, which keeps it (reported by the caller's listing).
    if (status === 404) return;
    throw error;
  }
}
