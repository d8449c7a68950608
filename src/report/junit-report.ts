import type { GradedRun } from './graded-run.js';

const escape = (text: string) =>
  text
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML, one suite per lab run (per learner with verify --all), one case per check. */
export function renderJunit(runs: Array<{ name: string; run: GradedRun }>): string {
  const suites = runs.map(({ name, run }) => {
    const failures = run.results.filter((r) => r.status === 'fail').length;
    const skipped = run.results.filter((r) => r.status === 'skipped').length;
    const cases = run.results.map((r) => {
      const open = `    <testcase classname="${escape(`lab${run.lab.id}.${name}`)}" name="${escape(r.title)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.status === 'pass') return `${open}/>`;
      if (r.status === 'skipped') return `${open}>\n      <skipped message="${escape(r.reason ?? '')}"/>\n    </testcase>`;
      const body = [`expected: ${r.expected}`, `found: ${r.found}`, `hint: ${r.hint}`, ...(r.details ?? [])].join('\n');
      return `${open}>\n      <failure message="${escape(r.hint ?? '')}" type="${escape(r.id)}">${escape(body)}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="${escape(`lab ${Number(run.lab.id)} ${run.lab.slug}: ${name}`)}" tests="${run.results.length}" failures="${failures}" skipped="${skipped}" time="${(run.durationMs / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}
