import type { LabRunResult } from '../labs/lab-runner.js';
import { paint } from '../util/terminal.js';

const MARK = { pass: '✓', fail: '✗', skipped: '-' } as const;

/** The per-check verdicts, and under each failure what was expected, what was found and a hint. */
export function renderTerminalReport(run: LabRunResult): string {
  const lines: string[] = [];
  const head = `Lab ${Number(run.lab.id)}: ${run.lab.definition.title}`;
  lines.push(paint('bold', head));
  for (const r of run.results) {
    const colour = r.status === 'pass' ? 'green' : r.status === 'fail' ? 'red' : 'yellow';
    const suffix = r.status === 'skipped' ? ` (skipped: ${r.reason})` : r.found && r.status === 'pass' ? paint('dim', ` — ${r.found}`) : '';
    lines.push(`  ${paint(colour, MARK[r.status])} ${r.title}${suffix}`);
    if (r.status === 'fail') {
      lines.push(`      expected: ${r.expected}`);
      lines.push(`      found:    ${r.found}`);
      lines.push(`      hint:     ${paint('cyan', r.hint ?? '')}`);
    }
    for (const detail of r.details ?? []) lines.push(paint('dim', `      | ${detail}`));
  }
  for (const line of run.output) lines.push(paint('dim', `  ${line}`));
  const passed = run.results.filter((r) => r.status === 'pass').length;
  const failed = run.results.filter((r) => r.status === 'fail').length;
  const skipped = run.results.filter((r) => r.status === 'skipped').length;
  const verdict = run.status === 'pass' ? paint('green', 'PASS') : paint('red', 'FAIL');
  lines.push(`${verdict}  ${passed} passed, ${failed} failed, ${skipped} skipped in ${(run.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
