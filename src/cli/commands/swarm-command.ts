import type { Command } from 'commander';
import { DocklabError } from '../../errors.js';

interface PrepareFlags {
  port: string;
  publishMode: string;
}

export function registerSwarm(program: Command): void {
  const swarm = program.command('swarm').description('grading a class on a Docker Swarm: its registry and its clean-up');
  swarm
    .command('prepare')
    .argument('[labs...]', 'labs whose images the nodes will need (default: every lab)')
    .description("start the swarm's own registry (a service on the routing mesh) and push the grader and the labs' images to it")
    .option('--port <port>', 'the port every node finds the registry on, at 127.0.0.1', '5050')
    .option('--publish-mode <mode>', 'ingress (the routing mesh: every node) or host (only the node that runs it)', 'ingress')
    .addHelpText('after', '\nExamples:\n  docklab swarm prepare 3 19\n  docklab verify 3 --all ./submissions --swarm')
    .action(async (labIds: string[], flags: PrepareFlags) => {
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535)
        throw new DocklabError('DOCKLAB_USAGE', `--port takes a TCP port (1 to 65535), not '${flags.port}'`);
      if (flags.publishMode !== 'ingress' && flags.publishMode !== 'host')
        throw new DocklabError('DOCKLAB_USAGE', `--publish-mode is ingress or host, not '${flags.publishMode}'`);
      const { loadLab, loadLabs } = await import('../../labs/lab-loader.js');
      const labs = labIds.length ? await Promise.all(labIds.map((id) => loadLab(id))) : await loadLabs();
      const images = [...new Set(labs.flatMap((lab) => lab.definition.images))];
      const { connectEngine } = await import('../../engine/engine.js');
      const { assertSwarmManager } = await import('../../swarm/swarm-manager.js');
      const { ensureGraderImage } = await import('../../swarm/grader-image.js');
      const { prepareSwarmRegistry } = await import('../../swarm/swarm-registry.js');
      const engine = await connectEngine();
      await assertSwarmManager(engine.docker, engine.endpoint.address);
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const graderImage = await ensureGraderImage(engine.docker, { onLine: say });
      const { pushed } = await prepareSwarmRegistry(engine.docker, { port, publishMode: flags.publishMode, images, graderImage, onLine: say });
      process.stdout.write(`the swarm's registry answers at 127.0.0.1:${port} (${flags.publishMode}); pushed ${pushed.join(', ')}\n`);
    });
  swarm
    .command('clean')
    .description('remove every class docklab left on the swarm: grading services, their configs, and on every node the runs of graders that are gone')
    .action(async () => {
      const { connectEngine } = await import('../../engine/engine.js');
      const { cleanSwarm } = await import('../../swarm/swarm-clean.js');
      const engine = await connectEngine();
      const swept = await cleanSwarm(engine.docker, engine.endpoint.address);
      process.stdout.write(`cleaned: ${swept.join(', ')}\n`);
    });
}
