import type { Command } from 'commander';
import { connectEngine } from '../../engine/engine.js';
import { reapOrphans } from '../../engine/reaper.js';
import { catalogState } from '../../images/provisioner.js';
import { formatBytes, table } from '../../util/terminal.js';

export function registerImages(program: Command): void {
  program
    .command('images')
    .description('list every image the labs use: present or not, official or stand-in, real version, size')
    .option('--json', 'print a JSON document')
    .addHelpText('after', '\nExample:\n  docklab images')
    .action(async (options: { json?: boolean }) => {
      const engine = await connectEngine();
      // Every command that touches the engine sweeps killed runs first.
      await reapOrphans(engine.docker).catch(() => []);
      const images = await catalogState(engine.docker);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        table([
          ['IMAGE', 'TAGS', 'PRESENT', 'WHAT IT IS', 'SIZE'],
          ...images.map((i) => [
            i.image,
            i.tags.join(','),
            i.present.length
              ? i.outdated
                ? 'yes (older recipe: rebuilt on next use)'
                : 'yes'
              : i.provision === 'first-use'
                ? 'no (built on first use)'
                : 'no',
            i.present.length === 0 ? '-' : i.standin ? `stand-in: ${i.standin}` : 'official (pulled)',
            formatBytes(i.sizeBytes),
          ]),
        ]) + '\n',
      );
      // What a stand-in is not, said plainly: mysql is MariaDB, `latest` is not today's latest.
      const notes = images.filter((i) => i.note && (i.present.length === 0 || i.standin));
      if (notes.length > 0) {
        process.stdout.write(`\nStand-ins differ from the official images:\n${notes.map((i) => `  ${i.image}:${i.tags[0]}: ${i.note}`).join('\n')}\n`);
      }
    });
}
