import { describe, expect, it } from 'vitest';
import type { LabRunResult } from '../../src/labs/lab-runner.js';
import { toResultsDocument } from '../../src/report/results-json.js';
import { renderJunit } from '../../src/report/junit-report.js';
import { renderTerminalReport } from '../../src/report/terminal-report.js';
import { classSummaryCsv, renderClassSummary } from '../../src/report/class-summary.js';

const run = {
  lab: {
    id: '02',
    number: 2,
    slug: 'nginx-port-8080',
    dir: '/x',
    brokenCases: [],
    definition: { title: 'nginx on host port 8080', summary: '', images: [], evidence: 'state', checks: [{ id: 'running' }, { id: 'port' }, { id: 'page' }] },
  },
  runId: 'abcd1234',
  mode: 'verify',
  status: 'fail',
  durationMs: 1500,
  output: [],
  results: [
    { id: 'running', title: 'nginx runs', status: 'pass', found: 'web', durationMs: 10 },
    {
      id: 'port',
      title: 'port <80> published',
      status: 'fail',
      expected: '80 on 8080',
      found: '8080 on 80',
      hint: 'HOST:CONTAINER & "order"',
      details: ['line 1'],
      durationMs: 20,
    },
    { id: 'page', title: 'default page', status: 'skipped', reason: "'port' did not pass", durationMs: 0 },
  ],
} as unknown as LabRunResult;

describe('reports', () => {
  it('writes a results document in the results.json manner', () => {
    const doc = toResultsDocument(run);
    expect(doc).toMatchObject({ version: 2, status: 'fail', lab: { id: 2 } });
    expect(doc.tests.map((t) => t.status)).toEqual(['pass', 'fail', 'skipped']);
    expect(doc.tests[1]!.message).toBe('expected 80 on 8080; found 8080 on 80; hint: HOST:CONTAINER & "order"');
    expect(doc.tests[1]!.output).toBe('line 1');
  });

  it('writes JUnit XML with failures and skips, escaped', () => {
    const xml = renderJunit([{ name: 'alice', run }]);
    expect(xml).toContain('tests="3" failures="1" skipped="1"');
    expect(xml).toContain('name="port &lt;80&gt; published"');
    expect(xml).toContain('<failure message="HOST:CONTAINER &amp; &quot;order&quot;" type="port">');
    expect(xml).toContain(`<skipped message="&apos;port&apos; did not pass"/>`);
  });

  it('renders expected, found and hint under a failure, without colour when not at a terminal', () => {
    const text = renderTerminalReport(run);
    expect(text).toContain('✗ port <80> published\n      expected: 80 on 8080\n      found:    8080 on 80\n      hint:     HOST:CONTAINER & "order"');
    expect(text).toContain("- default page (skipped: 'port' did not pass)");
    expect(text).toContain('FAIL  1 passed, 1 failed, 1 skipped');
    expect(text).not.toContain('\u001b[');
  });

  it('summarises a class as a table and a CSV', () => {
    const outcomes = [
      { name: 'alice', run },
      { name: 'bob', error: 'folder lacks Dockerfile' },
    ];
    expect(renderClassSummary(run.lab, outcomes)).toContain('0 of 2 learners passed lab 2');
    const csv = classSummaryCsv(run.lab, outcomes);
    expect(csv.split('\n')[0]).toBe('learner,check,status,expected,found,hint');
    expect(csv).toContain('alice,port,fail,80 on 8080,8080 on 80,"HOST:CONTAINER & ""order"""');
    expect(csv).toContain('bob,,error,,folder lacks Dockerfile,');
  });
});
