import type { CheckVerdict, ClassLab, LearnerOutcome } from './graded-run.js';

/** A learner's cell for one check; "not-graded" when the learner could not be judged at all, "not-run" when their results lack the check. */
export type CellStatus = 'pass' | 'fail' | 'skipped' | 'not-graded' | 'not-run';

export interface PageCell {
  checkId: string;
  status: CellStatus;
  /** What the cell says on hover: status, expected, found, hint or the reason. */
  tip: string;
  /** The short text shown in the cell. */
  text: string;
}

export interface PageLearner {
  name: string;
  status: 'pass' | 'fail' | 'not-graded';
  passed: number;
  failed: number;
  skipped: number;
  error?: string;
  cells: PageCell[];
}

export interface PageCheck {
  id: string;
  title: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Learners with a verdict for this check (not-graded and not-run ones are left out). */
  graded: number;
  /** failed / graded, 0 when nobody was graded: the share of the class that failed the check. */
  failShare: number;
  skipShare: number;
}

export interface ClassPage {
  lab: { number: number; slug: string; title: string };
  checks: PageCheck[];
  learners: PageLearner[];
  passedLearners: number;
  notGraded: number;
  generatedAt: string;
}

const SYMBOL: Record<CellStatus, string> = { pass: '✓', fail: '✗', skipped: '–', 'not-graded': '!', 'not-run': '·' };

/**
 * Everything the class page shows, worked out before any HTML is written:
 * the columns (the lab's checks in order, then any other check a results
 * document carried), one row per learner, and per check how many passed,
 * failed and were skipped.
 */
export function buildClassPage(lab: ClassLab, outcomes: LearnerOutcome[], now = new Date()): ClassPage {
  const columns = new Map<string, string>();
  for (const c of lab.definition.checks) columns.set(c.id, c.title ?? c.id);
  for (const o of outcomes) for (const r of o.run?.results ?? []) if (!columns.has(r.id)) columns.set(r.id, r.title);
  const ids = [...columns.keys()];

  const learners = [...outcomes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((o): PageLearner => {
      const cells = ids.map((id) => cellFor(o, id));
      const count = (s: CellStatus) => cells.filter((c) => c.status === s).length;
      const status = !o.run ? 'not-graded' : o.run.status === 'pass' && count('not-run') === 0 ? 'pass' : 'fail';
      return { name: o.name, status, passed: count('pass'), failed: count('fail'), skipped: count('skipped'), error: o.error, cells };
    });

  const checks = ids.map((id, index): PageCheck => {
    const cells = learners.map((l) => l.cells[index]!);
    const count = (s: CellStatus) => cells.filter((c) => c.status === s).length;
    const [passed, failed, skipped] = [count('pass'), count('fail'), count('skipped')];
    const graded = passed + failed + skipped;
    return { id, title: columns.get(id)!, passed, failed, skipped, graded, failShare: graded ? failed / graded : 0, skipShare: graded ? skipped / graded : 0 };
  });

  return {
    lab: { number: lab.number, slug: lab.slug, title: lab.definition.title },
    checks,
    learners,
    passedLearners: learners.filter((l) => l.status === 'pass').length,
    notGraded: learners.filter((l) => l.status === 'not-graded').length,
    generatedAt: now.toISOString(),
  };
}

function cellFor(outcome: LearnerOutcome, checkId: string): PageCell {
  const head = `${outcome.name} · ${checkId}`;
  if (!outcome.run) {
    return { checkId, status: 'not-graded', text: SYMBOL['not-graded'], tip: `${head}: not graded\n${outcome.error ?? 'no results'}` };
  }
  const verdict = outcome.run.results.find((r) => r.id === checkId);
  if (!verdict) return { checkId, status: 'not-run', text: SYMBOL['not-run'], tip: `${head}: not in this learner's results` };
  return { checkId, status: verdict.status, text: SYMBOL[verdict.status], tip: tipFor(head, verdict) };
}

function tipFor(head: string, v: CheckVerdict): string {
  const lines = [`${head}: ${v.status}`];
  if (v.status === 'skipped') lines.push(`skipped: ${v.reason ?? ''}`);
  if (v.status === 'fail' && v.expected) lines.push(`expected: ${v.expected}`);
  if (v.found) lines.push(`found: ${v.found}`);
  if (v.status === 'fail' && v.hint) lines.push(`hint: ${v.hint}`);
  return lines.join('\n');
}
