import type { Command } from 'commander';
import { connectEngine } from '../../engine/engine.js';
import { reapOrphans } from '../../engine/reaper.js';
import { removeBuildCache, tearDown } from '../../engine/teardown.js';
import { DocklabError } from '../../errors.js';
import { labFolders } from '../../labs/lab-loader.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .argument('[labs...]', 'lab ids whose resources to remove')
    .description('remove what docklab made (containers, networks, volumes, Compose projects), found by label')
    .option('--all', 'every lab')
    .option('--images', 'also the images docklab built for labs (never the stand-ins)')
    .option('--json', 'print what was removed as JSON')
    .addHelpText('after', '\nExamples:\n  docklab down 3\n  docklab down --all --images')
    .action(async (labs: string[], options: { all?: boolean; images?: boolean; json?: boolean }) => {
      if (!options.all && labs.length === 0) throw new DocklabError('DOCKLAB_USAGE', 'name the labs to tear down (`docklab down 3`) or pass --all');
      const known = labFolders();
      const ids = labs.map((l) => {
        const folder = known.find((f) => Number(f.id) === Number(l) || f.slug === l);
        if (!folder) throw new DocklabError('DOCKLAB_LAB_UNKNOWN', `no lab '${l}'; \`docklab list\` shows them all`);
        return folder.id;
      });
      const engine = await connectEngine();
      const reaped = await reapOrphans(engine.docker);
      const removed = [...reaped, ...(await tearDown(engine.docker, { labs: options.all ? undefined : ids, images: options.images }))];
      // The build cache docklab's finished builds kept (untagged layers, listed as they were built).
      if (options.images) removed.push(...(await removeBuildCache(engine.docker, options.all ? undefined : ids)));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ removed }, null, 2)}\n`);
        return;
      }
      if (removed.length === 0) process.stdout.write('nothing to remove\n');
      for (const r of removed) process.stdout.write(`removed ${r.kind} ${r.name}\n`);
    });
}
