import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { DocklabError, isDocklabError } from '../../errors.js';
import { assertWritable } from '../output-path.js';
import { classFromDocuments } from '../../report/class-from-documents.js';
import { writeSummary } from '../../report/class-summary-file.js';
import { renderClassSummary } from '../../report/class-summary.js';
import { renderJunit } from '../../report/junit-report.js';
import { learnerFromPath, readResultsFile, type LearnerResults } from '../../report/results-file.js';

interface ReportOptions {
  summary: string[];
  junit?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<files...>', 'results documents learners wrote with `docklab verify N --json > FILE` (or a class.json summary)')
    .description('a class report (table, HTML page, CSV, JSON, JUnit) from results documents learners produced themselves')
    .option('--summary <file>', 'write the class to FILE: .html a page to look at, .csv, .json (repeat for several)', collect, [])
    .option('--junit <file>', 'also write JUnit XML, one suite per learner')
    .addHelpText(
      'after',
      '\nA learner file is named after the learner (alice.json), or is alice/results.json.\n\nExamples:\n  docklab report handed-in/*.json --summary class.html\n  docklab report handed-in/*/results.json --summary class.html --summary class.csv --junit junit.xml',
    )
    .action(async (files: string[], options: ReportOptions) => {
      for (const path of options.summary) assertWritable('--summary', path);
      if (options.junit) assertWritable('--junit', options.junit);
      const learners: LearnerResults[] = [];
      let bad = 0;
      const refuse = (error: DocklabError) => {
        bad += 1;
        process.stderr.write(`docklab: ${error.message} [${error.code}]\n`);
      };
      for (const path of files) {
        try {
          learners.push(...readResultsFile(path));
        } catch (error) {
          if (!isDocklabError(error)) throw error;
          refuse(error);
          // A file that cannot be read still names a learner: they stay on the page as not graded rather than vanish.
          learners.push({ name: learnerFromPath(path), error: `${error.message} [${error.code}]` });
        }
      }
      if (learners.every((l) => !l.document)) {
        throw new DocklabError('DOCKLAB_RESULTS_INVALID', `none of the ${files.length} file(s) holds a graded results document; nothing written`);
      }
      const { report, otherLab } = classFromDocuments(learners);
      for (const o of otherLab)
        refuse(
          new DocklabError(
            'DOCKLAB_RESULTS_INVALID',
            `${o.learner}: a results document of lab ${o.lab}, but the class is lab ${report.lab.number}; shown as not graded`,
          ),
        );
      process.stdout.write(`${renderClassSummary(report.lab, report.outcomes)}\n`);
      for (const path of options.summary) writeSummary(path, report);
      if (options.junit) writeFileSync(options.junit, renderJunit(report.outcomes.filter((o) => o.run).map((o) => ({ name: o.name, run: o.run! }))));
      // Bad input outranks failed checks, as everywhere else: 2, then 1 when a learner did not pass.
      if (bad > 0) process.exitCode = 2;
      else if (report.outcomes.some((o) => o.error || o.run?.status !== 'pass')) process.exitCode = 1;
    });
}
