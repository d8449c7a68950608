/**
 * The shapes the class reports read. A run docklab made itself (LabRunResult)
 * fits them as it is; a results document a learner produced with
 * `verify --json` is turned into them (results-json.ts), so that both paths
 * feed the same table, CSV, JUnit and HTML page.
 */
export interface CheckVerdict {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  expected?: string;
  found?: string;
  hint?: string;
  /** Why a check was skipped. */
  reason?: string;
  details?: string[];
  durationMs: number;
}

export interface GradedRun {
  lab: { id: string; slug: string };
  status: 'pass' | 'fail';
  results: CheckVerdict[];
  durationMs: number;
}

/** One learner of a class: graded (run) or not graded, with the reason (error). */
export interface LearnerOutcome {
  name: string;
  run?: GradedRun;
  error?: string;
}

/** What a class report needs to know of the lab: its number, title and checks in order. */
export interface ClassLab {
  number: number;
  slug: string;
  definition: { title: string; checks: Array<{ id: string; title?: string }> };
}
