import type { ListrTask } from 'listr2';
import { resetComposeTool } from '../engine/compose.js';
import { ensurePlugin, type PluginName } from '../engine/docker-tools.js';
import { connectEngine } from '../engine/engine.js';
import { findGo } from '../engine/go-binary-build.js';
import { ensureDockerfileFrontend } from '../images/dockerfile-frontend.js';

type Output = { title: string; output: string; skip(message?: string): void };

const PLUGIN_TITLES: Record<PluginName, string> = { compose: 'Compose v2 (docker compose)', buildx: 'buildx (docker buildx)' };

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The tools Docker ships beside the engine, for `docklab setup`: the Compose
 * v2 and buildx CLI plugins and the Dockerfile frontend image, each built
 * from its Go module when the machine has none. One after another (each Go
 * build uses every core), while the images are provisioned beside them.
 * Without Go, the plugins are skipped and said to be (Compose v1 stays in
 * use); under CI a missing Go fails set-up, so that no test runs on the
 * fallback unnoticed.
 */
export function toolTasks(): ListrTask[] {
  const noGo = async (task: Output, what: string): Promise<boolean> => {
    if (await findGo()) return false;
    const message = `${what}: not built, no Go toolchain (1.24 or newer; DOCKLAB_GO names one)`;
    if (process.env.CI) throw new Error(message);
    task.skip(message);
    return true;
  };
  const plugin = (name: PluginName): ListrTask => ({
    title: PLUGIN_TITLES[name],
    task: async (_: unknown, task: Output) => {
      const outcome = await ensurePluginOrSkip(name, task, noGo);
      if (!outcome) return;
      if (name === 'compose') resetComposeTool();
      task.title =
        outcome.status === 'present'
          ? `${PLUGIN_TITLES[name]}: ${outcome.version} present`
          : `${PLUGIN_TITLES[name]}: ${outcome.version} ${outcome.built ? `built in ${seconds(outcome.durationMs)}` : 'from the cache'}, installed as ${outcome.path}`;
    },
  });
  return [
    plugin('compose'),
    plugin('buildx'),
    {
      title: 'Dockerfile frontend (docker/dockerfile:1)',
      task: async (_: unknown, task: Output) => {
        const engine = await connectEngine();
        const present = await engine.docker
          .getImage('docker/dockerfile:1')
          .inspect()
          .then(
            () => true,
            () => false,
          );
        if (!present && (await noGo(task, 'Dockerfile frontend'))) return;
        const outcome = await ensureDockerfileFrontend(engine.docker, { onLine: (l) => (task.output = l) });
        task.title = `Dockerfile frontend: docker/dockerfile:1 ${outcome.source}${outcome.source === 'built' ? ` in ${seconds(outcome.durationMs)}` : ''}${outcome.standin ? ` (stand-in: ${outcome.standin})` : ''}`;
      },
    },
  ];
}

async function ensurePluginOrSkip(name: PluginName, task: Output, noGo: (task: Output, what: string) => Promise<boolean>) {
  const { pluginVersion } = await import('../engine/docker-cli-plugins.js');
  const { goBinaryExists } = await import('../engine/go-binary-build.js');
  const { COMPOSE_V2, BUILDX } = await import('../engine/docker-tools.js');
  const present = await pluginVersion(name);
  const usable = present && (name !== 'compose' || Number(present.split('.')[0]) >= 2);
  if (!usable && !goBinaryExists(name === 'compose' ? COMPOSE_V2 : BUILDX) && (await noGo(task, PLUGIN_TITLES[name]))) return undefined;
  return ensurePlugin(name, { onLine: (l) => (task.output = l) });
}
