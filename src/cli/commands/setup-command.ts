import type { Command } from 'commander';
import { Listr } from 'listr2';
import { connectEngine, resetEngineConnection } from '../../engine/engine.js';
import { assertCanInstall, installPackages, isDebianLike, missingPackages, startEngine } from '../../engine/engine-installer.js';
import { entryKey, loadCatalog } from '../../images/catalog.js';
import { ensureBaseImage } from '../../images/base-image.js';
import { ensureImage } from '../../images/provisioner.js';
import { listrRenderer } from '../../util/terminal.js';
import { toolTasks } from '../setup-tool-tasks.js';

async function engineAnswers(): Promise<boolean> {
  resetEngineConnection();
  return connectEngine().then(
    () => true,
    () => false,
  );
}

/** Stand-in builds side by side at setup: more would only compete for the same cores and mirror. */
const SETUP_BUILDS_AT_ONCE = 2;

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('install and start a Docker engine if none answers (root on Debian/Ubuntu), then provision every image the labs need')
    .option('--skip-images', 'only make sure the engine runs (and the tools, unless --skip-tools)')
    .option('--skip-tools', 'do not build or install Compose v2, buildx and the Dockerfile frontend')
    .addHelpText('after', '\nExample:\n  sudo npm run setup        # the same as: docklab setup')
    .action(async (options: { skipImages?: boolean; skipTools?: boolean }) => {
      const started = Date.now();
      const tasks = new Listr(
        [
          {
            title: 'Packages: docker.io, docker-compose, debootstrap, haproxy, wrk',
            task: async (_, task) => {
              const root = process.getuid?.() === 0;
              const missing = process.platform === 'linux' && isDebianLike() ? await missingPackages() : [];
              if (missing.length === 0) {
                task.title = 'Packages: all present';
                return;
              }
              if (!root && (await engineAnswers())) {
                task.skip(`not root: install these yourself if you need them: ${missing.join(' ')}`);
                return;
              }
              assertCanInstall();
              await installPackages(missing, (line) => (task.output = line));
              task.title = `Packages: installed ${missing.join(', ')}`;
            },
          },
          {
            title: 'Engine',
            task: async (_, task) => {
              if (!(await engineAnswers())) {
                assertCanInstall();
                task.output = 'starting the engine';
                const how = await startEngine(engineAnswers);
                task.title = `Engine: started (${how})`;
              }
              const engine = await connectEngine();
              task.title = `Engine: Docker ${engine.info.version}, API ${engine.info.apiVersion} at ${engine.endpoint.address}`;
            },
          },
          {
            // The images and the tools are independent: the Go builds run while the images are provisioned.
            title: 'Images and tools',
            enabled: () => !options.skipImages || !options.skipTools,
            task: (_, group) =>
              group.newListr(
                [
                  {
                    title: 'Images',
                    enabled: () => !options.skipImages,
                    // Only what the labs use is built here; other catalog tags (node:22, golang:1.24, …) on first use.
                    // The shared base first, then builds side by side: one's downloads overlap another's compiling.
                    task: async (_, task) => {
                      await ensureBaseImage((await connectEngine()).docker, { onLine: (l) => (task.output = l) });
                      return task.newListr(
                        loadCatalog()
                          .filter((entry) => entry.provision === 'setup')
                          .map((entry) => ({
                            title: entryKey(entry),
                            task: async (__: unknown, sub: { title: string; output: string }) => {
                              const engine = await connectEngine();
                              const image = await ensureImage(engine.docker, entryKey(entry), { onLine: (l) => (sub.output = l) });
                              sub.title = `${entryKey(entry)}: ${image.source}${image.standin ? ` (stand-in: ${image.standin})` : ''}`;
                            },
                          })),
                        { concurrent: SETUP_BUILDS_AT_ONCE, exitOnError: true },
                      );
                    },
                  },
                  {
                    title: 'Tools: Compose v2, buildx, Dockerfile frontend',
                    enabled: () => !options.skipTools,
                    task: (_, task) => task.newListr(toolTasks(), { concurrent: false, exitOnError: true }),
                  },
                ],
                { concurrent: true, exitOnError: true },
              ),
          },
        ],
        { exitOnError: true, ...listrRenderer() },
      );
      await tasks.run();
      process.stdout.write(`docklab is ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    });
}
