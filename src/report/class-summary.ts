import { table } from '../util/terminal.js';
import type { ClassLab, LearnerOutcome } from './graded-run.js';

export type { LearnerOutcome } from './graded-run.js';

const cell = (o: LearnerOutcome, checkId: string) => o.run?.results.find((r) => r.id === checkId)?.status ?? (o.error ? 'error' : '-');

/** One row per learner, one column per check. */
export function renderClassSummary(lab: Pick<ClassLab, 'number' | 'definition'>, outcomes: LearnerOutcome[]): string {
  const ids = lab.definition.checks.map((c) => c.id);
  const rows = outcomes.map((o) => [o.name, ...ids.map((id) => cell(o, id)), o.error ? `error: ${o.error}` : (o.run?.status ?? '')]);
  const passed = outcomes.filter((o) => o.run?.status === 'pass').length;
  return `${table([['LEARNER', ...ids, 'RESULT'], ...rows])}\n${passed} of ${outcomes.length} learners passed lab ${lab.number}`;
}

export function classSummaryCsv(_lab: unknown, outcomes: LearnerOutcome[]): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = ['learner,check,status,expected,found,hint'];
  for (const o of outcomes) {
    if (o.error) lines.push([o.name, '', 'error', '', o.error, ''].map(quote).join(','));
    for (const r of o.run?.results ?? []) lines.push([o.name, r.id, r.status, r.expected ?? '', r.found ?? r.reason ?? '', r.hint ?? ''].map(quote).join(','));
  }
  return `${lines.join('\n')}\n`;
}
