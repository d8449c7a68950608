import { Option, type Command } from 'commander';
import { loadLab } from '../../labs/lab-loader.js';
import { runLab } from '../../labs/lab-runner.js';
import { saveLastResult } from '../../labs/last-results.js';
import { toResultsDocument } from '../../report/results-json.js';
import { renderTerminalReport } from '../../report/terminal-report.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .argument('<lab>', 'lab id or slug')
    .description("set up a lab from its reference solution and show, check by check, that it works")
    .option('--keep', 'leave what the run made (containers, images) for you to look at; `docklab down N` removes it')
    .option('--json', 'print a results document instead of the report')
    .addOption(balancerOption())
    .addHelpText('after', '\nExample:\n  docklab run 2 --keep')
    .action(async (id: string, options: { keep?: boolean; json?: boolean; lb?: 'haproxy' | 'docklab' }) => {
      const lab = await loadLab(id);
      const run = await runLab(lab, { mode: 'run', keep: options.keep, balancer: options.lb, output: options.json ? 'silent' : 'listr' });
      saveLastResult(run);
      process.stdout.write(options.json ? `${JSON.stringify(toResultsDocument(run), null, 2)}\n` : `${renderTerminalReport(run)}\n`);
      if (options.keep) process.stdout.write(`kept run ${run.runId}; remove it with: docklab down ${lab.number}\n`);
      if (run.status !== 'pass') process.exitCode = 1;
    });
}

/** Lab 0 runs behind either balancer, reading the same haproxy.cfg. */
export function balancerOption(): Option {
  return new Option('--lb <balancer>', 'lab 0: the load balancer that reads haproxy.cfg').choices(['haproxy', 'docklab']).default('haproxy');
}
