import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { defineLab } from '../../src/labs/lab-definition.js';
import { fail, pass } from '../../src/checks/check.js';
import { containerName } from '../../src/labs/container-specs.js';
import { LABEL } from '../../src/engine/labels.js';
import { formatBytes } from '../../src/util/terminal.js';
import type { LabContext } from '../../src/labs/lab-context.js';

/**
 * prune.json: what the reference leaves behind and what it then prunes.
 * Everything is made labelled with this run, and every prune carries the
 * label filter io.docklab.run=<run>: nothing else on the engine is touched.
 */
interface PrunePlan {
  stoppedContainers: number;
  danglingImages: number;
  unusedNetworks: number;
  /** What to prune, in order: "containers", "images", "networks". */
  prune: Array<'containers' | 'images' | 'networks'>;
}

const PREDEFINED_NETWORKS = new Set(['bridge', 'host', 'none']);

async function setup(ctx: LabContext): Promise<void> {
  const plan = JSON.parse(readFileSync(ctx.sourcePath('prune.json'), 'utf8')) as PrunePlan;
  for (let i = 1; i <= plan.stoppedContainers; i++) {
    const container = await ctx.runContainer({ name: `stopped-${i}`, image: 'busybox:latest', cmd: ['true'] });
    await container.wait();
  }
  // Building one tag again over a different image leaves the older one without a name: dangling.
  if (plan.danglingImages > 0) {
    const dir = ctx.tempDir('rebuilt');
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox:latest\nARG STAMP\nRUN echo "$STAMP" > /stamp\n');
      for (let i = 0; i <= plan.danglingImages; i++) await ctx.build({ name: 'rebuilt', dir, buildArgs: { STAMP: `build ${i} of ${ctx.runId}` } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The last build keeps the tag; it is not dangling, and teardown removes it.
  }
  for (let i = 1; i <= plan.unusedNetworks; i++) await ctx.createNetwork(`unused-${i}`);

  const filters = JSON.stringify({ label: [`${LABEL.run}=${ctx.runId}`] });
  for (const what of plan.prune) {
    const report =
      what === 'containers'
        ? await ctx.docker.pruneContainers({ filters })
        : what === 'images'
          ? await ctx.docker.pruneImages({ filters: JSON.stringify({ label: [`${LABEL.run}=${ctx.runId}`], dangling: ['true'] }) })
          : await ctx.docker.pruneNetworks({ filters });
    const removed = (report as { ContainersDeleted?: string[]; ImagesDeleted?: unknown[]; NetworksDeleted?: string[] });
    const count = removed.ContainersDeleted?.length ?? removed.ImagesDeleted?.length ?? removed.NetworksDeleted?.length ?? 0;
    ctx.log(`pruned ${what} labelled ${LABEL.run}=${ctx.runId}: ${count} removed`);
  }
}

/** In run mode only this run's resources; in a state verify the whole engine, as `docker system prune` sees it. */
function scoped(ctx: LabContext, filters: Record<string, string[]>): string {
  return JSON.stringify(ctx.docklabMadeIt ? { ...filters, label: [`${LABEL.run}=${ctx.runId}`] } : filters);
}

async function stoppedContainers(ctx: LabContext): Promise<Docker.ContainerInfo[]> {
  return ctx.docker.listContainers({ all: true, filters: scoped(ctx, { status: ['exited', 'created', 'dead'] }) });
}

/** Dangling images no container uses, running or stopped: those are what a prune removes. */
async function danglingImages(ctx: LabContext): Promise<Docker.ImageInfo[]> {
  const [images, containers] = await Promise.all([ctx.docker.listImages({ filters: scoped(ctx, { dangling: ['true'] }) }), ctx.docker.listContainers({ all: true })]);
  const used = new Set(containers.map((c) => c.ImageID));
  return images.filter((i) => !used.has(i.Id));
}

async function unusedNetworks(ctx: LabContext): Promise<Docker.NetworkInspectInfo[]> {
  const networks = (await ctx.docker.listNetworks({ filters: scoped(ctx, {}) })) as Docker.NetworkInspectInfo[];
  const custom = networks.filter((n) => !PREDEFINED_NETWORKS.has(n.Name) && n.Scope === 'local');
  const inspected = await Promise.all(custom.map((n) => ctx.docker.getNetwork(n.Id).inspect().catch(() => undefined) as Promise<Docker.NetworkInspectInfo | undefined>));
  return inspected.filter((n): n is Docker.NetworkInspectInfo => Boolean(n) && Object.keys(n!.Containers ?? {}).length === 0);
}

/** Build cache belongs to the whole engine; it is judged only in a state verify. */
async function buildCache(ctx: LabContext): Promise<Array<{ ID: string; Size: number; InUse: boolean; Shared: boolean }>> {
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
  setup,
  checks: [
    {
      id: 'no-stopped-containers',
      title: 'No stopped containers are left',
      run: async (ctx) => {
        const stopped = await stoppedContainers(ctx);
        if (stopped.length) return fail('no stopped containers', `${stopped.length}: ${listed(stopped, (c) => `${containerName(c)} (${c.Status})`)}`, `${HINT}; docker container prune removes only these`);
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
          return fail('no dangling images (images without a name, left by rebuilding a tag)', `${dangling.length} (${formatBytes(size)}): ${listed(dangling, (i) => i.Id.slice(7, 19))}`, `${HINT}; docker image prune removes only these. An image a container still uses (even a stopped one) stays until the container goes`);
        }
        return pass('none');
      },
    },
    {
      id: 'no-unused-networks',
      title: 'No unused networks are left',
      run: async (ctx) => {
        const unused = await unusedNetworks(ctx);
        if (unused.length) return fail('no user-made network without containers', `${unused.length}: ${listed(unused, (n) => n.Name)}`, `${HINT}; docker network prune removes only these (bridge, host and none are the engine's own and stay)`);
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
          ctx.docklabMadeIt ? 'build cache: not judged for a docklab run (it is shared by the whole engine)' : `build cache entries not in use: ${cache.length} (${formatBytes(cache.reduce((s, c) => s + c.Size, 0))})`,
        ];
        const total = stopped.length + dangling.length + unused.length + cache.length;
        if (total > 0) return fail('nothing a `docker system prune` would remove', report.filter((l) => !/: 0( |$)/.test(l)).join('; '), HINT, report);
        return pass('a prune would remove nothing', report);
      },
    },
  ],
});
