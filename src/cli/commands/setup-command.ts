import type { Command } from 'commander';
import { Listr } from 'listr2';
import { connectEngine, resetEngineConnection } from '../../engine/engine.js';
import { assertCanInstall, installPackages, isDebianLike, missingPackages, startEngine } from '../../engine/engine-installer.js';
import { loadCatalog } from '../../images/catalog.js';
import { ensureImage } from '../../images/provisioner.js';
import { listrRenderer } from '../../util/terminal.js';

async function engineAnswers(): Promise<boolean> {
  resetEngineConnection();
  return connectEngine().then(
    () => true,
    () => false,
  );
}

export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('install and start a Docker engine if none answers (root on Debian/Ubuntu), then provision every image the labs need')
    .option('--skip-images', 'only make sure the engine runs')
    .addHelpText('after', '\nExample:\n  sudo npm run setup        # the same as: docklab setup')
    .action(async (options: { skipImages?: boolean }) => {
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
            title: 'Images',
            enabled: () => !options.skipImages,
            task: (_, task) =>
              task.newListr(
                loadCatalog().map((entry) => ({
                  title: `${entry.image}:${entry.tags[0]}`,
                  task: async (__: unknown, sub: { title: string; output: string }) => {
                    const engine = await connectEngine();
                    const image = await ensureImage(engine.docker, `${entry.image}:${entry.tags[0]}`, { onLine: (l) => (sub.output = l) });
                    sub.title = `${entry.image}: ${image.source}${image.standin ? ` (stand-in: ${image.standin})` : ''}`;
                  },
                })),
                { concurrent: false, exitOnError: true },
              ),
          },
        ],
        { exitOnError: true, ...listrRenderer() },
      );
      await tasks.run();
      process.stdout.write(`docklab is ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    });
}
