import type { LabRunResult } from '../labs/lab-runner.js';
import type { CheckVerdict, GradedRun } from './graded-run.js';

/**
 * A results document in the manner of Exercism's results.json (version 2):
 * top-level status and one entry per test with name, status, message and
 * output. docklab adds `id`, the status `skipped` for a check whose
 * prerequisite failed, the lab, and the parts of a verdict on their own
 * (`expected`, `found`, `hint`, `reason`, `durationMs`) so that
 * `docklab report` can rebuild the class page from learners' documents.
 */
export interface ResultsDocument {
  version: 2;
  status: 'pass' | 'fail' | 'error';
  message?: string;
  lab: { id: number; slug: string; title: string };
  durationMs?: number;
  tests: ResultsTest[];
}

export interface ResultsTest {
  id: string;
  name: string;
  status: 'pass' | 'fail' | 'skipped';
  message?: string;
  output?: string;
  expected?: string;
  found?: string;
  hint?: string;
  reason?: string;
  durationMs?: number;
}

export function toResultsDocument(run: LabRunResult): ResultsDocument {
  return {
    version: 2,
    status: run.status,
    lab: { id: Number(run.lab.id), slug: run.lab.slug, title: run.lab.definition.title },
    durationMs: run.durationMs,
    tests: run.results.map((r) => ({
      id: r.id,
      name: r.title,
      status: r.status,
      message: r.status === 'fail' ? `expected ${r.expected}; found ${r.found}; hint: ${r.hint}` : r.status === 'skipped' ? `skipped: ${r.reason}` : r.found,
      output: r.details?.length ? r.details.join('\n') : undefined,
      expected: r.expected,
      found: r.found,
      hint: r.hint,
      reason: r.reason,
      durationMs: r.durationMs,
    })),
  };
}

export function errorDocument(message: string): Pick<ResultsDocument, 'version' | 'status' | 'message'> & { tests: [] } {
  return { version: 2, status: 'error', message, tests: [] };
}

/** A test's verdict; documents without the separate fields have them read back out of `message`. */
export function verdictFromTest(test: ResultsTest): CheckVerdict {
  const verdict: CheckVerdict = {
    id: test.id,
    title: test.name,
    status: test.status,
    expected: test.expected,
    found: test.found,
    hint: test.hint,
    reason: test.reason,
    details: test.output ? test.output.split('\n') : undefined,
    durationMs: test.durationMs ?? 0,
  };
  const message = test.message ?? '';
  if (test.status === 'fail' && verdict.expected === undefined && verdict.found === undefined) {
    const parts = /^expected (.*); found (.*); hint: (.*)$/s.exec(message);
    if (parts) [verdict.expected, verdict.found, verdict.hint] = [parts[1], parts[2], parts[3]];
    else verdict.found = message || undefined;
  } else if (test.status === 'skipped' && verdict.reason === undefined) {
    verdict.reason = message.replace(/^skipped: /, '') || undefined;
  } else if (test.status === 'pass' && verdict.found === undefined) {
    verdict.found = message || undefined;
  }
  return verdict;
}

/** The run a document describes, in the shape the class reports read. */
export function runFromDocument(doc: ResultsDocument): GradedRun {
  return {
    lab: { id: String(doc.lab.id).padStart(2, '0'), slug: doc.lab.slug },
    status: doc.status === 'pass' ? 'pass' : 'fail',
    results: doc.tests.map(verdictFromTest),
    durationMs: doc.durationMs ?? 0,
  };
}
