import type { LabRunResult } from '../labs/lab-runner.js';

/**
 * A results document in the manner of Exercism's results.json (version 2):
 * top-level status and one entry per test with name, status, message and
 * output. docklab adds `id`, and the status `skipped` for a check whose
 * prerequisite failed.
 */
export interface ResultsDocument {
  version: 2;
  status: 'pass' | 'fail' | 'error';
  message?: string;
  lab: { id: number; slug: string; title: string };
  tests: Array<{ id: string; name: string; status: 'pass' | 'fail' | 'skipped'; message?: string; output?: string }>;
}

export function toResultsDocument(run: LabRunResult): ResultsDocument {
  return {
    version: 2,
    status: run.status,
    lab: { id: Number(run.lab.id), slug: run.lab.slug, title: run.lab.definition.title },
    tests: run.results.map((r) => ({
      id: r.id,
      name: r.title,
      status: r.status,
      message:
        r.status === 'fail'
          ? `expected ${r.expected}; found ${r.found}; hint: ${r.hint}`
          : r.status === 'skipped'
            ? `skipped: ${r.reason}`
            : r.found,
      output: r.details?.length ? r.details.join('\n') : undefined,
    })),
  };
}

export function errorDocument(message: string): Pick<ResultsDocument, 'version' | 'status' | 'message'> & { tests: [] } {
  return { version: 2, status: 'error', message, tests: [] };
}
