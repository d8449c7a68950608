import { writeFileSync } from 'node:fs';
import { buildClassPage } from './class-page-model.js';
import { renderClassPage } from './class-page.js';
import { classSummaryCsv } from './class-summary.js';
import type { ClassLab, LearnerOutcome } from './graded-run.js';
import type { ResultsDocument } from './results-json.js';

/** A graded class, as both the reports and the JSON summary need it. */
export interface ClassReport {
  lab: ClassLab;
  outcomes: LearnerOutcome[];
  /** Each learner's results document (the JSON summary is a list of them), or why they were not graded. */
  documents: Array<{ learner: string; error?: string; document?: ResultsDocument }>;
}

export type SummaryFormat = 'html' | 'json' | 'csv';

/** --summary FILE: the page for .html/.htm, the documents for .json, CSV for anything else. */
export function summaryFormat(path: string): SummaryFormat {
  if (/\.html?$/i.test(path)) return 'html';
  if (/\.json$/i.test(path)) return 'json';
  return 'csv';
}

export function renderSummary(format: SummaryFormat, report: ClassReport, now = new Date()): string {
  if (format === 'html') return renderClassPage(buildClassPage(report.lab, report.outcomes, now));
  if (format === 'json') {
    const entries = report.documents.map((d) => ({ learner: d.learner, error: d.error, ...(d.document ?? {}) }));
    return `${JSON.stringify(entries, null, 2)}\n`;
  }
  return classSummaryCsv(report.lab, report.outcomes);
}

export function writeSummary(path: string, report: ClassReport): void {
  writeFileSync(path, renderSummary(summaryFormat(path), report));
}
