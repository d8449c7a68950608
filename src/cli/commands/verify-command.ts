import type { Command } from 'commander';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DocklabError } from '../../errors.js';
import { interruption, isInterrupted } from '../../util/interruption.js';
import { assertWritable } from '../output-path.js';
import { loadLab } from '../../labs/lab-loader.js';
import { runLab, type LabRunResult } from '../../labs/lab-runner.js';
import { saveLastResult } from '../../labs/last-results.js';
import { errorDocument, toResultsDocument } from '../../report/results-json.js';
import { renderJunit } from '../../report/junit-report.js';
import { renderTerminalReport } from '../../report/terminal-report.js';
import { renderClassSummary } from '../../report/class-summary.js';
import { writeSummary } from '../../report/class-summary-file.js';
import { confirmRemovalOfUnlabelled } from '../confirm-removal.js';
import { acceptLabOptions, readLabOptions } from '../lab-options.js';
import type { Lab } from '../../labs/lab-definition.js';
import { checkSwarmFlags, verifyClassOnSwarm } from '../../swarm/swarm-class-cli.js';

interface VerifyOptions {
  dir?: string;
  all?: string;
  json?: boolean;
  junit?: string;
  summary?: string;
  cleanup?: boolean;
  yes?: boolean;
  parallel?: string;
  /** Lab 0's balancer, read from the lab's own options (the swarm grader passes it on). */
  lb?: 'haproxy' | 'docklab';
  /** The lab's own options (declared in its defineLab). */
  labOptions?: Record<string, string>;
  swarm?: boolean;
  limitCpu?: string;
  limitMemory?: string;
}

export function registerVerify(program: Command): void {
  const command = program.command('verify');
  acceptLabOptions(command)
    .argument('<lab>', 'lab id or slug')
    .description("judge a learner's solution: the files they wrote and/or the engine state their commands left")
    .option('--dir <dir>', 'the folder with your files (labs that judge files)')
    .option('--all <dir>', 'instructors: every learner folder under DIR, isolated from each other')
    .option('--parallel <n>', 'with --all: learners judged at once', '2')
    .option('--summary <file>', 'with --all: write every learner and check to FILE (.html: a page to look at; .csv; .json)')
    .option('--json', 'print a results document (results.json style) instead of the report')
    .option('--junit <file>', 'also write JUnit XML for CI graders')
    .option('--swarm', 'with --all: grade on the Docker Swarm this engine manages, one task per learner')
    .option('--limit-cpu <cpus>', "with --swarm: CPUs for each learner's task (0.5, 2)")
    .option('--limit-memory <size>', "with --swarm: memory for each learner's task (512m, 2g)")
    .option('--cleanup', 'remove what was judged afterwards (asks before touching anything docklab did not make)')
    .option('-y, --yes', 'with --cleanup: do not ask')
    .addHelpText(
      'after',
      '\nExamples:\n  docklab verify 3 --dir ./my-lab3\n  docklab verify 2 --json\n  docklab verify 19 --all ./submissions --summary class.csv --junit junit.xml\n  docklab verify 19 --all ./submissions --summary class.html',
    )
    .action(async (id: string, options: VerifyOptions) => {
      // Every path docklab will write is checked before anything runs: a run must not end on a bad path.
      if (options.junit) assertWritable('--junit', options.junit);
      if (options.summary) assertWritable('--summary', options.summary);
      if (options.summary && !options.all) throw new DocklabError('DOCKLAB_USAGE', '--summary goes with --all DIR (a table of every learner)');
      const parallel = parseParallel(options.parallel);
      if ((options.swarm || options.limitCpu || options.limitMemory) && !options.all)
        throw new DocklabError('DOCKLAB_USAGE', '--swarm, --limit-cpu and --limit-memory go with --all DIR (a class)');
      if ((options.limitCpu || options.limitMemory) && !options.swarm)
        throw new DocklabError('DOCKLAB_USAGE', "--limit-cpu and --limit-memory go with --swarm (limits of each learner's task)");
      if (options.swarm) checkSwarmFlags(options);
      const lab = await loadLab(id);
      options.labOptions = readLabOptions(lab, command.args.slice(1), command);
      options.lb = options.labOptions.lb as VerifyOptions['lb'];
      if (options.all) {
        await verifyClass(lab, options, parallel);
        return;
      }
      const dir = options.dir ? resolve(options.dir) : lab.definition.evidence === 'state' ? undefined : process.cwd();
      let run: LabRunResult;
      try {
        run = await runLab(lab, { mode: 'verify', sourceDir: dir, labOptions: options.labOptions, output: options.json ? 'silent' : 'listr' });
      } catch (error) {
        if (options.json && error instanceof DocklabError) {
          process.stdout.write(`${JSON.stringify(errorDocument(error.message), null, 2)}\n`);
        }
        throw error;
      }
      saveLastResult(run);
      process.stdout.write(options.json ? `${JSON.stringify(toResultsDocument(run), null, 2)}\n` : `${renderTerminalReport(run)}\n`);
      if (options.junit) writeFileSync(options.junit, renderJunit([{ name: dir ?? 'engine', run }]));
      if (options.cleanup && lab.definition.evidence !== 'files') await confirmRemovalOfUnlabelled(lab, Boolean(options.yes));
      if (run.status !== 'pass') process.exitCode = 1;
    });
}

async function verifyClass(lab: Lab, options: VerifyOptions, parallel: number): Promise<void> {
  const root = resolve(options.all!);
  if (!existsSync(root)) throw new DocklabError('DOCKLAB_FILE_MISSING', `folder ${root} does not exist`);
  if (lab.definition.evidence === 'state') {
    throw new DocklabError('DOCKLAB_USAGE', `lab ${lab.number} judges engine state, not files: --all needs a lab that judges files`);
  }
  const learners = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  if (learners.length === 0) throw new DocklabError('DOCKLAB_FILE_MISSING', `${root} has no learner folders`);
  const outcomes: Array<{ name: string; run?: LabRunResult; error?: string }> = [];
  const queue = [...learners];
  // On a swarm: one task per learner, each on the node Swarm picks.
  if (options.swarm) outcomes.push(...(await verifyClassOnSwarm(lab, root, learners, parallel, options)));
  // Each learner is a separate run: own run id, names, free ports and labels.
  else
    await Promise.all(
      Array.from({ length: Math.min(parallel, learners.length) }, async () => {
        for (let name = queue.shift(); name !== undefined && !interruption.signal.aborted; name = queue.shift()) {
          process.stderr.write(`judging ${name}\n`);
          try {
            outcomes.push({ name, run: await runLab(lab, { mode: 'verify', sourceDir: join(root, name), labOptions: options.labOptions, output: 'silent' }) });
          } catch (error) {
            // An interruption ends the whole class: its one handler tears every run down.
            if (isInterrupted(error)) throw error;
            outcomes.push({ name, error: error instanceof DocklabError ? `${error.message} [${error.code}]` : String(error) });
          }
        }
      }),
    );
  outcomes.sort((a, b) => a.name.localeCompare(b.name));
  process.stdout.write(`${renderClassSummary(lab, outcomes)}\n`);
  if (options.summary) {
    const documents = outcomes.map((o) => ({ learner: o.name, error: o.error, document: o.run ? toResultsDocument(o.run) : undefined }));
    writeSummary(options.summary, { lab, outcomes, documents });
  }
  if (options.junit) writeFileSync(options.junit, renderJunit(outcomes.filter((o) => o.run).map((o) => ({ name: o.name, run: o.run! }))));
  if (outcomes.some((o) => o.error || o.run?.status !== 'pass')) process.exitCode = 1;
}

/** --parallel: a whole number of learners at once, 1 to 16. */
export function parseParallel(value: string | undefined): number {
  if (value === undefined) return 2;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > 16) {
    throw new DocklabError('DOCKLAB_USAGE', `--parallel takes a whole number from 1 to 16 (learners judged at once), not '${value}'`);
  }
  return n;
}
