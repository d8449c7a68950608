import type { Command } from 'commander';
import { readLastResult } from '../../labs/last-results.js';
import { loadLabsTolerantly } from '../../labs/lab-loader.js';
import { table } from '../../util/terminal.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the labs with their last result')
    .option('--json', 'print a JSON document')
    .addHelpText('after', '\nExample:\n  docklab list')
    .action(async (options: { json?: boolean }) => {
      const { labs, problems } = await loadLabsTolerantly();
      for (const problem of problems) process.stderr.write(`docklab: skipped: ${problem}\n`);
      const rows = labs.map((lab) => ({
        id: lab.number,
        slug: lab.slug,
        title: lab.definition.title,
        summary: lab.definition.summary,
        last: readLastResult(lab.id),
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        table([
          ['ID', 'LAB', 'LAST RESULT'],
          ...rows.map((r) => [
            String(r.id),
            r.title,
            r.last ? `${r.last.status} ${r.last.passed}/${r.last.total} (${r.last.mode}, ${r.last.at.slice(0, 16).replace('T', ' ')})` : '-',
          ]),
        ]) + '\n',
      );
    });
}
