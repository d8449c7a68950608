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
  // One run's teardown asks the engine for that run's resources alone: listing every docklab resource
  // (other runs, other learners of a class) is most of a teardown's time on a busy engine.
  const oneRun = scope.runs?.length === 1 ? [`${LABEL.run}=${scope.runs[0]}`] : [];
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`, ...oneRun] });

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

/**
 * Removes build layers by id, and the untagged layers built on them (a step
 * the engine committed after its client was killed), children first. Only
 * what nothing needs goes: a layer with a tag, or under one, stays (the
 * engine refuses with 409). A layer held by a build step's container of a
 * build still being cancelled is waited for, a few seconds at most.
 * Returns what was removed and the layers that had to stay.
 */
export async function removeLayers(docker: Docker, imageIds: string[], run?: string): Promise<RemovedResource[] & { stuck?: string[] }> {
  const removed: RemovedResource[] & { stuck?: string[] } = [];
  if (imageIds.length === 0) return removed;
  const all = await docker.listImages({ all: true });
  const full = (id: string) => (id.startsWith('sha256:') ? id : (all.find((i) => i.Id.startsWith(`sha256:${id}`))?.Id ?? id));
  const children = new Map<string, string[]>();
  for (const image of all) if (image.ParentId) children.set(image.ParentId, [...(children.get(image.ParentId) ?? []), image.Id]);
  // Post-order: every layer after the layers built on it.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const child of children.get(id) ?? []) visit(child);
    order.push(id);
  };
  for (const id of [...imageIds].reverse()) visit(full(id));
  const tagged = new Set(all.filter((i) => (i.RepoTags ?? []).some((t) => t !== '<none>:<none>')).map((i) => i.Id));
  const stuck: string[] = [];
  const deadline = Date.now() + 10_000;
  for (const id of order) {
    if (tagged.has(id)) continue;
    for (;;) {
      try {
        await docker.getImage(id).remove({ noprune: true });
        removed.push({ kind: 'image', name: `layer ${id.replace(/^sha256:/, '').slice(0, 12)}`, run });
        break;
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 404) break;
        if (status !== 409) throw error;
        // In use by a container: a build step the engine is still cancelling goes away by itself.
        const users = await docker.listContainers({ all: true, filters: JSON.stringify({ ancestor: [id] }) }).catch(() => []);
        const buildStep = users.length > 0 && users.every((c) => !c.Labels?.[LABEL.run]);
        if (!buildStep || Date.now() > deadline) {
          stuck.push(id);
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  removed.stuck = stuck;
  return removed;
}

/**
 * The rest of a run after its labelled resources: layers of builds that
 * never finished, and its folder of temporary files. A finished build's
 * layers are build cache: kept (listed for `down --images`) when asked,
 * removed otherwise.
 */
export async function tearDownRunFiles(docker: Docker, runId: string, options: { keepBuildCache: boolean }): Promise<RemovedResource[]> {
  const { readLayers, moveCacheToLedger, removeRunFolder, keepOnlyLayers } = await import('./run-folder.js');
  const pending = await removeLayers(docker, readLayers(runId, 'layers'), runId);
  const removed: RemovedResource[] = [...pending];
  const stuck = [...(pending.stuck ?? [])];
  if (options.keepBuildCache) moveCacheToLedger(runId);
  else {
    const cache = await removeLayers(docker, readLayers(runId, 'cache'), runId);
    removed.push(...cache);
    stuck.push(...(cache.stuck ?? []));
  }
  // A layer still held by something (a cancelled build not yet gone): the folder keeps listing it for the next sweep.
  if (stuck.length > 0 && !options.keepBuildCache) keepOnlyLayers(runId, stuck);
  else removeRunFolder(runId);
  return removed;
}

/** `down --images`: the layers docklab's finished builds kept as cache (of some labs, or all). */
export async function removeBuildCache(docker: Docker, labs?: string[]): Promise<RemovedResource[]> {
  const { readLedger, writeLedger } = await import('./run-folder.js');
  const entries = readLedger();
  const chosen = entries.filter((e) => !labs || labs.includes(e.lab));
  const removed: RemovedResource[] = await removeLayers(
    docker,
    chosen.map((e) => e.imageId),
  );
  // Layers still needed by something (a child image, a container) stay listed for next time.
  const left = [];
  for (const entry of entries) {
    if (
      !chosen.includes(entry) ||
      (await docker
        .getImage(entry.imageId)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      left.push(entry);
  }
  writeLedger(left);
  return removed;
}
