import type Docker from 'dockerode';
import { LABEL, containerName, defineLab, fail, formatBytes, pass, pruneEvents, runStartedAt, type CheckContext } from '../../src/lab-kit/index.js';

const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

/** In run mode only this run's resources; in a state verify the whole engine, as `docker system prune` sees it. */
function scoped(ctx: CheckContext, filters: Record<string, string[]>): string {
  return JSON.stringify(ctx.docklabMadeIt ? { ...filters, label: [`${LABEL.run}=${ctx.runId}`] } : filters);
}

async function stoppedContainers(ctx: CheckContext): Promise<Docker.ContainerInfo[]> {
  return ctx.docker.listContainers({ all: true, filters: scoped(ctx, { status: ['exited', 'created', 'dead'] }) });
}

/** Dangling images no container uses, running or stopped: those are what a prune removes. */
async function danglingImages(ctx: CheckContext): Promise<Docker.ImageInfo[]> {
  const [images, containers] = await Promise.all([
    ctx.docker.listImages({ filters: scoped(ctx, { dangling: ['true'] }) }),
    ctx.docker.listContainers({ all: true }),
  ]);
  const used = new Set(containers.map((c) => c.ImageID));
  return images.filter((i) => !used.has(i.Id));
}

async function unusedNetworks(ctx: CheckContext): Promise<Docker.NetworkInspectInfo[]> {
  const networks = (await ctx.docker.listNetworks({ filters: scoped(ctx, {}) })) as Docker.NetworkInspectInfo[];
  const custom = networks.filter((n) => !PREDEFINED_NETWORKS.has(n.Name) && n.Scope === 'local');
  const inspected = await Promise.all(
    custom.map(
      (n) =>
        ctx.docker
          .getNetwork(n.Id)
          .inspect()
          .catch(() => undefined) as Promise<Docker.NetworkInspectInfo | undefined>,
    ),
  );
  return inspected.filter((n): n is Docker.NetworkInspectInfo => Boolean(n) && Object.keys(n!.Containers ?? {}).length === 0);
}

/** Build cache belongs to the whole engine; it is judged only in a state verify. */
async function buildCache(ctx: CheckContext): Promise<Array<{ ID: string; Size: number; InUse: boolean; Shared: boolean }>> {
  if (ctx.docklabMadeIt) return [];
  const df = (await ctx.docker.df()) as { BuildCache?: Array<{ ID: string; Size: number; InUse: boolean; Shared: boolean }> | null };
  return (df.BuildCache ?? []).filter((c) => !c.InUse);
}

function listed<T>(items: T[], describe: (item: T) => string, max = 8): string {
  const shown = items.slice(0, max).map(describe).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

const HINT = 'docker system prune removes stopped containers, unused networks, dangling images and build cache in one go (it asks first; -f does not)';

export default defineLab({
  title: 'Clean up with docker system prune',
  summary: 'Remove stopped containers, unused networks, dangling images and build cache with docker system prune.',
  images: ['busybox:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'prune-ran',
      title: "The engine's events show that a prune ran",
      run: async (ctx) => {
        // An engine with nothing to prune looks the same before and after a prune: only its event log tells.
        const since = (ctx.docklabMadeIt ? runStartedAt(ctx.runId) : undefined) ?? Math.floor(Date.now() / 1000) - 24 * 3600;
        const prunes = await pruneEvents(ctx.docker, since);
        const window = ctx.docklabMadeIt ? 'since this run began' : 'in the last 24 hours the engine remembers';
        if (prunes.length === 0) {
          return fail(
            `a prune in the engine's events ${window}`,
            'no prune event',
            `${HINT}. Run it, then verify again (the engine keeps only its most recent events, so verify soon after)`,
          );
        }
        const kinds = [...new Set(prunes.map((p) => p.kind))];
        const reclaimed = prunes.reduce((sum, p) => sum + (p.reclaimed ?? 0), 0);
        return pass(
          `${prunes.length} prune events (${kinds.join(', ')}), ${formatBytes(reclaimed)} reclaimed, the last at ${new Date(prunes[prunes.length - 1]!.time * 1000).toISOString()}`,
        );
      },
    },
    {
      id: 'no-stopped-containers',
      title: 'No stopped containers are left',
      run: async (ctx) => {
        const stopped = await stoppedContainers(ctx);
        if (stopped.length)
          return fail(
            'no stopped containers',
            `${stopped.length}: ${listed(stopped, (c) => `${containerName(c)} (${c.Status})`)}`,
            `${HINT}; docker container prune removes only these`,
          );
        return pass('none');
      },
    },
    {
      id: 'no-dangling-images',
      title: 'No dangling images are left',
      run: async (ctx) => {
        const dangling = await danglingImages(ctx);
        if (dangling.length) {
          const size = dangling.reduce((sum, i) => sum + i.Size, 0);
          return fail(
            'no dangling images (images without a name, left by rebuilding a tag)',
            `${dangling.length} (${formatBytes(size)}): ${listed(dangling, (i) => i.Id.slice(7, 19))}`,
            `${HINT}; docker image prune removes only these. An image a container still uses (even a stopped one) stays until the container goes`,
          );
        }
        return pass('none');
      },
    },
    {
      id: 'no-unused-networks',
      title: 'No unused networks are left',
      run: async (ctx) => {
        const unused = await unusedNetworks(ctx);
        if (unused.length)
          return fail(
            'no user-made network without containers',
            `${unused.length}: ${listed(unused, (n) => n.Name)}`,
            `${HINT}; docker network prune removes only these (bridge, host and none are the engine's own and stay)`,
          );
        return pass('none');
      },
    },
    {
      id: 'nothing-to-prune',
      title: 'A prune now would remove nothing (build cache included)',
      run: async (ctx) => {
        const [stopped, dangling, unused, cache] = await Promise.all([stoppedContainers(ctx), danglingImages(ctx), unusedNetworks(ctx), buildCache(ctx)]);
        const report = [
          `stopped containers: ${stopped.length}`,
          `dangling images: ${dangling.length} (${formatBytes(dangling.reduce((s, i) => s + i.Size, 0))})`,
          `unused networks: ${unused.length}`,
          ctx.docklabMadeIt
            ? 'build cache: not judged for a docklab run (it is shared by the whole engine)'
            : `build cache entries not in use: ${cache.length} (${formatBytes(cache.reduce((s, c) => s + c.Size, 0))})`,
        ];
        const total = stopped.length + dangling.length + unused.length + cache.length;
        if (total > 0) return fail('nothing a `docker system prune` would remove', report.filter((l) => !/: 0( |$)/.test(l)).join('; '), HINT, report);
        return pass('a prune would remove nothing', report);
      },
    },
  ],
});
