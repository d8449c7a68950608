import type { Command } from 'commander';
import { acceptLabOptions, readLabOptions } from '../lab-options.js';
import { loadLab } from '../../labs/lab-loader.js';
import { runLab } from '../../labs/lab-runner.js';
import { saveLastResult } from '../../labs/last-results.js';
import { toResultsDocument } from '../../report/results-json.js';
import { renderTerminalReport } from '../../report/terminal-report.js';

export function registerRun(program: Command): void {
  const command = program.command('run');
  acceptLabOptions(command)
    .argument('<lab>', 'lab id or slug')
    .description('set up a lab from its reference solution and show, check by check, that it works')
    .option('--keep', 'leave what the run made (containers, images) for you to look at; `docklab down N` removes it')
    .option('--json', 'print a results document instead of the report')
    .addHelpText('after', '\nExample:\n  docklab run 2 --keep')
    .action(async (id: string, options: { keep?: boolean; json?: boolean }) => {
      const lab = await loadLab(id);
      const labOptions = readLabOptions(lab, command.args.slice(1), command);
      const run = await runLab(lab, { mode: 'run', keep: options.keep, labOptions, output: options.json ? 'silent' : 'listr' });
      saveLastResult(run);
      process.stdout.write(options.json ? `${JSON.stringify(toResultsDocument(run), null, 2)}\n` : `${renderTerminalReport(run)}\n`);
      if (options.keep) process.stdout.write(`kept run ${run.runId}; remove it with: docklab down ${lab.number}\n`);
      if (run.status !== 'pass') process.exitCode = 1;
    });
}
