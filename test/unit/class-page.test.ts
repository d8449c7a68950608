import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/version.js';
import type { ClassLab, GradedRun, LearnerOutcome } from '../../src/report/graded-run.js';
import { buildClassPage } from '../../src/report/class-page-model.js';
import { renderClassPage } from '../../src/report/class-page.js';
import { CLASS_PAGE_SCRIPT } from '../../src/report/class-page-assets.js';
import { escapeHtml } from '../../src/report/html-escape.js';
import { readResultsFile, learnerFromPath } from '../../src/report/results-file.js';
import { classFromDocuments } from '../../src/report/class-from-documents.js';
import { renderSummary, summaryFormat } from '../../src/report/class-summary-file.js';
import { verdictFromTest, type ResultsDocument } from '../../src/report/results-json.js';

const lab: ClassLab = {
  number: 19,
  slug: 'flask-hello-world',
  definition: {
    title: 'A Flask Hello World image',
    checks: [
      { id: 'image-builds', title: 'The image builds' },
      { id: 'app-answers', title: 'The app answers' },
    ],
  },
};

const graded = (status: 'pass' | 'fail', results: GradedRun['results']): GradedRun => ({
  lab: { id: '19', slug: 'flask-hello-world' },
  status,
  results,
  durationMs: 1000,
});
const built = { id: 'image-builds', title: 'The image builds', status: 'pass', found: 'built in 3 s', durationMs: 1 } as const;

const HOSTILE = `<img src=x onerror=alert(1)>`;
const outcomes: LearnerOutcome[] = [
  {
    name: 'bob',
    run: graded('fail', [
      built,
      {
        id: 'app-answers',
        title: 'The app answers',
        status: 'fail',
        expected: '"Hello World"',
        found: '"></td><script>alert(2)</script>',
        hint: "bind 0.0.0.0 & don't use 127.0.0.1",
        durationMs: 1,
      },
    ]),
  },
  {
    name: 'alice',
    run: graded('pass', [built, { id: 'app-answers', title: 'The app answers', status: 'pass', found: 'HTTP 200 "Hello World"', durationMs: 1 }]),
  },
  {
    name: 'carol',
    run: graded('fail', [
      { ...built, status: 'fail', expected: 'a build', found: 'FROM python:99', hint: 'use python:3.11-slim' },
      { id: 'app-answers', title: 'The app answers', status: 'skipped', reason: "'image-builds' did not pass", durationMs: 0 },
    ]),
  },
  { name: 'dave', error: 'the folder lacks app.py [DOCKLAB_SOLUTION_INCOMPLETE]' },
  { name: HOSTILE, run: graded('pass', [built]) },
];

describe('the class page model', () => {
  const page = buildClassPage(lab, outcomes, new Date('2026-01-02T03:04:05Z'));

  it('puts learners down by name and the lab checks across, in order', () => {
    expect(page.learners.map((l) => l.name)).toEqual([HOSTILE, 'alice', 'bob', 'carol', 'dave']);
    expect(page.checks.map((c) => c.id)).toEqual(['image-builds', 'app-answers']);
    expect(page.learners.find((l) => l.name === 'carol')!.cells.map((c) => c.status)).toEqual(['fail', 'skipped']);
  });

  it('counts per check the share of graded learners that failed it', () => {
    const [builds, answers] = page.checks;
    expect(builds).toMatchObject({ passed: 3, failed: 1, skipped: 0, graded: 4, failShare: 0.25 });
    // The learner whose results lack the check is not counted; dave was not graded at all.
    expect(answers).toMatchObject({ passed: 1, failed: 1, skipped: 1, graded: 3 });
    expect(answers!.failShare).toBeCloseTo(1 / 3);
  });

  it('keeps an ungraded learner as a row with the reason, and a missing check as not run', () => {
    const dave = page.learners.find((l) => l.name === 'dave')!;
    expect(dave.status).toBe('not-graded');
    expect(dave.cells[0]!.tip).toContain('DOCKLAB_SOLUTION_INCOMPLETE');
    const hostile = page.learners.find((l) => l.name === HOSTILE)!;
    expect(hostile.cells.map((c) => c.status)).toEqual(['pass', 'not-run']);
    expect(hostile.status).toBe('fail');
    expect(page.passedLearners).toBe(1);
    expect(page.notGraded).toBe(1);
  });

  it('says expected, found and hint on a failed cell, and the reason on a skipped one', () => {
    const bob = page.learners.find((l) => l.name === 'bob')!;
    expect(bob.cells[1]!.tip).toBe(
      `bob · app-answers: fail\nexpected: "Hello World"\nfound: "></td><script>alert(2)</script>\nhint: bind 0.0.0.0 & don't use 127.0.0.1`,
    );
    expect(page.learners.find((l) => l.name === 'carol')!.cells[1]!.tip).toContain("skipped: 'image-builds' did not pass");
  });
});

describe('the class page', () => {
  const html = renderClassPage(buildClassPage(lab, outcomes, new Date('2026-01-02T03:04:05Z')));

  it('escapes every learner-supplied text: no markup of theirs survives', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('alert(2)</script>');
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&gt;&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('don&#39;t use 127.0.0.1');
    expect(html).toContain('bind 0.0.0.0 &amp; don');
  });

  it('loads nothing from anywhere and allows only its own script', () => {
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/);
    // No element carries a src or href attribute (a learner's text inside a quoted attribute value is not one).
    expect(html).not.toMatch(/<[a-z]+(\s+[a-z-]+(="[^"]*")?)*\s+(src|href)=/);
    expect(html).not.toMatch(/https?:\/\//);
    const hash = createHash('sha256').update(CLASS_PAGE_SCRIPT).digest('base64');
    expect(html).toContain(`default-src &#39;none&#39;`);
    expect(html).toContain(`script-src &#39;sha256-${hash}&#39;`);
    expect(html).toContain(`<script>${CLASS_PAGE_SCRIPT}</script>`);
  });

  it('has a bar per check with its share, the most failed first', () => {
    const bars = [...html.matchAll(/<li class="check-bar" data-bar="([^"]+)"[^>]*>.*?<span class="share">([^<]*)<\/span>/g)].map((m) => [m[1], m[2]]);
    expect(bars).toEqual([
      ['app-answers', '1 of 3 failed (33%), 1 skipped'],
      ['image-builds', '1 of 4 failed (25%)'],
    ]);
    expect(html).toContain('<span id="counts">1 of 5 learners passed; 1 not graded</span>');
  });

  it('drops control characters and escapes backticks', () => {
    expect(escapeHtml('a\u0000b\u001bc\nd\te`')).toBe('abc\nd\te&#96;');
  });
});

describe('results documents handed in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-results-'));
  const doc = (status: 'pass' | 'fail', labId = 19): ResultsDocument => ({
    version: 2,
    status,
    lab: { id: labId, slug: 'flask-hello-world', title: 'A Flask Hello World image' },
    tests: [
      { id: 'image-builds', name: 'The image builds', status: 'pass', message: 'built' },
      {
        id: 'app-answers',
        name: 'The app answers',
        status,
        message: status === 'fail' ? 'expected "Hello World"; found nothing; hint: bind 0.0.0.0' : 'HTTP 200',
      },
    ],
  });
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads one document per learner, named after the file or its folder', () => {
    expect(readResultsFile(write('alice.json', doc('pass')))).toMatchObject([{ name: 'alice', document: { status: 'pass' } }]);
    expect(readResultsFile(write('bob/results.json', doc('fail')))).toMatchObject([{ name: 'bob', document: { status: 'fail' } }]);
    expect(learnerFromPath('/x/carol/RESULTS.json')).toBe('carol');
  });

  it('reads a class summary list, with learners that were not graded', () => {
    const list = [
      { learner: 'alice', ...doc('pass') },
      { learner: 'dave', error: 'the folder lacks app.py' },
    ];
    expect(readResultsFile(write('class.json', list))).toMatchObject([
      { name: 'alice', document: { status: 'pass' } },
      { name: 'dave', error: 'the folder lacks app.py' },
    ]);
  });

  it('takes an error document as a learner not graded', () => {
    expect(readResultsFile(write('erin.json', { version: 2, status: 'error', message: 'no engine', tests: [] }))).toEqual([
      { name: 'erin', error: 'no engine' },
    ]);
  });

  it.each([
    ['not JSON', '{"version": 2,', /not JSON/],
    ['another version', { ...doc('pass'), version: 3 }, /version is 3; docklab reads version 2/],
    [
      'a bad test status',
      { ...doc('pass'), tests: [{ id: 'a', name: 'A', status: 'passed' }] },
      /tests\[0\]\.status is "passed", not one of pass, fail, skipped/,
    ],
    ['no lab', { version: 2, status: 'pass', tests: [] }, /lab is missing/],
    [
      'a found value that is not text',
      { ...doc('pass'), tests: [{ id: 'a', name: 'A', status: 'pass', found: { html: '<b>' } }] },
      /tests\[0\]\.found is not text/,
    ],
    [
      'a check twice',
      {
        ...doc('pass'),
        tests: [
          { id: 'a', name: 'A', status: 'pass' },
          { id: 'a', name: 'A', status: 'pass' },
        ],
      },
      /id 'a' appears twice/,
    ],
    ['a list entry without a learner', [doc('pass')], /\[0\]\.learner is missing/],
    ['a string', '"hello"', /not an object/],
  ])('refuses %s with DOCKLAB_RESULTS_INVALID naming the file', (_, content, message) => {
    const path = write('bad.json', content);
    expect(() => readResultsFile(path)).toThrow(message);
    try {
      readResultsFile(path);
    } catch (error) {
      expect((error as { code: string }).code).toBe('DOCKLAB_RESULTS_INVALID');
      expect((error as Error).message.startsWith(path)).toBe(true);
    }
  });

  it('says DOCKLAB_FILE_MISSING for a file that is not there', () => {
    expect(() => readResultsFile(join(dir, 'nobody.json'))).toThrow(expect.objectContaining({ code: 'DOCKLAB_FILE_MISSING' }));
  });

  it('reads expected, found and hint back out of the message of a document that lacks them', () => {
    expect(verdictFromTest({ id: 'a', name: 'A', status: 'fail', message: 'expected x; found y; z; hint: h' })).toMatchObject({
      expected: 'x',
      found: 'y; z',
      hint: 'h',
    });
    expect(verdictFromTest({ id: 'a', name: 'A', status: 'skipped', message: "skipped: 'b' did not pass" })).toMatchObject({ reason: "'b' did not pass" });
    expect(verdictFromTest({ id: 'a', name: 'A', status: 'fail', expected: 'e', found: 'f', hint: 'h', message: 'other' })).toMatchObject({
      expected: 'e',
      found: 'f',
      hint: 'h',
    });
  });

  it('assembles a class: columns from the documents, another lab not graded, same names kept apart', () => {
    const { report, otherLab } = classFromDocuments([
      { name: 'alice', document: doc('pass') },
      { name: 'alice', document: doc('fail') },
      { name: 'zed', document: doc('pass', 3) },
      { name: 'dave', error: 'lacks app.py' },
    ]);
    expect(otherLab).toEqual([{ learner: 'zed', lab: 3 }]);
    expect(report.lab).toMatchObject({ number: 19, definition: { checks: [{ id: 'image-builds' }, { id: 'app-answers' }] } });
    expect(report.outcomes.map((o) => o.name)).toEqual(['alice', 'alice (2)', 'zed', 'dave']);
    expect(report.outcomes[2]).toEqual({ name: 'zed', error: 'a results document of lab 3, not lab 19 [DOCKLAB_RESULTS_INVALID]' });
    expect(report.outcomes[1]!.run!.results[1]).toMatchObject({ status: 'fail', expected: '"Hello World"', hint: 'bind 0.0.0.0' });
    expect(summaryFormat('x/class.HTML')).toBe('html');
    expect(summaryFormat('class.json')).toBe('json');
    expect(summaryFormat('class.csv')).toBe('csv');
    expect(renderSummary('csv', report)).toContain('alice (2),app-answers,fail,"""Hello World""",nothing,bind 0.0.0.0');
    expect(JSON.parse(renderSummary('json', report))[3]).toEqual({ learner: 'dave', error: 'lacks app.py' });
  });
});

describe('docklab report', () => {
  const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
  const docklab = (...args: string[]) =>
    execa(process.execPath, [CLI, ...args], { reject: false, env: { CI: 'true', DOCKLAB_HOME: mkdtempSync(join(tmpdir(), 'docklab-home-')) } });
  const dir = mkdtempSync(join(tmpdir(), 'docklab-report-'));
  const doc = JSON.stringify({
    version: 2,
    status: 'pass',
    lab: { id: 19, slug: 'flask-hello-world', title: 'A Flask Hello World image' },
    tests: [{ id: 'image-builds', name: 'The image builds', status: 'pass' }],
  });

  it("builds the page, CSV and JUnit from learners' documents; a bad file is one line with its code and exit 2", async () => {
    writeFileSync(join(dir, 'alice.json'), doc);
    writeFileSync(join(dir, 'mallory.json'), '<html>');
    const page = join(dir, 'class.html');
    const result = await docklab(
      'report',
      join(dir, 'alice.json'),
      join(dir, 'mallory.json'),
      '--summary',
      page,
      '--summary',
      join(dir, 'class.csv'),
      '--junit',
      join(dir, 'junit.xml'),
    );
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/mallory\.json: not JSON .*\[DOCKLAB_RESULTS_INVALID\]$/)]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('1 of 2 learners passed lab 19');
    expect(readFileSync(page, 'utf8')).toContain('data-learner="mallory" data-status="not-graded"');
    expect(readFileSync(join(dir, 'class.csv'), 'utf8')).toContain('alice,image-builds,pass');
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('tests="1" failures="0"');
  });

  it('exits 0 when every learner passed, and 2 with nothing written when no file is a document', async () => {
    expect((await docklab('report', join(dir, 'alice.json'))).exitCode).toBe(0);
    const none = await docklab('report', join(dir, 'nobody.json'), '--summary', join(dir, 'none.html'));
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('nobody.json does not exist [DOCKLAB_FILE_MISSING]');
    expect(none.stderr).toMatch(/none of the 1 file\(s\) holds a graded results document; nothing written \[DOCKLAB_RESULTS_INVALID\]/);
    expect(() => readFileSync(join(dir, 'none.html'))).toThrow();
  });
});
