import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { engineOrSkip } from './engine-gate.js';
import { PROJECT_ROOT } from '../../src/version.js';

/**
 * A real class of lab 19 graded with `verify --all --summary class.html`, and
 * the page it writes rendered by Debian's chromium (installed by setup), read
 * back through the DevTools protocol: what the browser shows, not the HTML
 * text, is what is checked.
 */
const engine = await engineOrSkip();
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (engine && !haveChromium && !process.env.CI)
  process.stderr.write(`\n[docklab] class page browser test skipped: ${CHROMIUM} missing (npm run setup installs chromium)\n\n`);

const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
const home = mkdtempSync(join(tmpdir(), 'docklab-home-'));
const docklab = (...args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env: { CI: 'true', DOCKLAB_HOME: home } });
const OUTPUT = join(PROJECT_ROOT, 'test-output', 'class-report');
const LAB = join(PROJECT_ROOT, 'labs', '19-flask-hello-world');
/** A learner whose folder name is markup: the page must show it as text and run nothing of it. */
const HOSTILE = `<img src=x onerror=alert(1)>"'&`;

function learner(root: string, name: string, from?: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'templates', 'apps', 'flask-hello'), dir, { recursive: true });
  cpSync(join(LAB, 'solution', 'Dockerfile'), join(dir, 'Dockerfile'));
  if (from) cpSync(join(LAB, from), dir, { recursive: true, filter: (src) => !src.endsWith('case.json') });
  return dir;
}

interface RenderedRow {
  learner: string;
  cells: Record<string, string>;
  result: string;
}

/** The table as the browser laid it out: only rows and cells that are displayed. */
async function renderedTable(page: Page): Promise<RenderedRow[]> {
  return page.$$eval('#class-table tbody tr', (rows) =>
    rows
      .filter((row) => (row as HTMLElement).offsetParent !== null)
      .map((row) => ({
        learner: row.querySelector('th.learner')!.textContent!,
        cells: Object.fromEntries(
          [...row.querySelectorAll('td[data-check]')]
            .filter((td) => (td as HTMLElement).offsetParent !== null)
            .map((td) => [td.getAttribute('data-check'), td.getAttribute('data-status')]),
        ),
        result: row.querySelector('td.result')!.textContent!,
      })),
  );
}

describe.skipIf(!engine || (!haveChromium && !process.env.CI))('the class page, graded for real and read in a browser', () => {
  const root = mkdtempSync(join(tmpdir(), 'docklab-class-'));
  const klass = join(root, 'class');
  const page19 = join(OUTPUT, 'class.html');
  let browser: Browser;
  let gradedStdout = '';

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: \`npm run setup\` installs Debian's chromium for this test`);
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    learner(klass, 'alice');
    learner(klass, 'bob', 'broken/localhost-only');
    writeFileSync(join(learner(klass, 'carol'), 'Dockerfile'), 'FROM python:99\nCOPY . /app\n');
    // No Dockerfile at all: the learner cannot be graded, and keeps a row saying why.
    rmSync(join(learner(klass, 'dave'), 'Dockerfile'));
    learner(klass, HOSTILE);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('grades the class with --all --summary class.html', { timeout: 900_000 }, async () => {
    const result = await docklab('verify', '19', '--all', klass, '--summary', page19, '--junit', join(OUTPUT, 'junit.xml'));
    gradedStdout = result.stdout;
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toContain('2 of 5 learners passed lab 19');
    expect(readFileSync(page19, 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('renders every learner and check as the run judged them, loading nothing, running nothing of a learner', { timeout: 120_000 }, async () => {
    expect(gradedStdout).not.toBe('');
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(page19).href);

    const rows = await renderedTable(page);
    expect(rows.map((r) => r.learner)).toEqual([HOSTILE, 'alice', 'bob', 'carol', 'dave']);
    expect(Object.fromEntries(rows.map((r) => [r.learner, r.cells]))).toEqual({
      [HOSTILE]: { 'image-builds': 'pass', 'app-answers': 'pass' },
      alice: { 'image-builds': 'pass', 'app-answers': 'pass' },
      bob: { 'image-builds': 'pass', 'app-answers': 'fail' },
      carol: { 'image-builds': 'fail', 'app-answers': 'skipped' },
      dave: { 'image-builds': 'not-graded', 'app-answers': 'not-graded' },
    });
    expect(rows.find((r) => r.learner === 'dave')!.result).toMatch(/^not graded: .*lacks Dockerfile.*\[DOCKLAB_SOLUTION_INCOMPLETE\]$/);
    expect(rows.find((r) => r.learner === 'alice')!.result).toBe('PASS 2 of 2 passed');
    expect(await page.textContent('#counts')).toBe('2 of 5 learners passed; 1 not graded');

    // A bar per check: its share as text, and the red part drawn at that share of the bar's width.
    const bars = await page.$$eval('li.check-bar', (items) =>
      items.map((li) => {
        const whole = li.querySelector('.bar')!.getBoundingClientRect().width;
        return {
          check: li.getAttribute('data-bar'),
          share: li.querySelector('.share')!.textContent,
          drawn: li.querySelector('.bar .failed')!.getBoundingClientRect().width / whole,
        };
      }),
    );
    expect(bars.map((b) => [b.check, b.share])).toEqual([
      ['image-builds', '1 of 4 failed (25%)'],
      ['app-answers', '1 of 4 failed (25%), 1 skipped'],
    ]);
    for (const b of bars) expect(b.drawn).toBeCloseTo(0.25, 1);

    // Hover shows what was found and the hint, from the check itself.
    const bobCell = page.locator('tr[data-learner="bob"] td[data-check="app-answers"]');
    await bobCell.hover();
    const tip = await bobCell.evaluate((el) => getComputedStyle(el, '::after').content);
    expect(tip).toContain('bob · app-answers: fail');
    expect(tip).toMatch(/expected: [\s\S]*found: [\s\S]*hint: [\s\S]*0\.0\.0\.0/);
    await page.screenshot({ path: join(OUTPUT, 'class.png'), fullPage: true });

    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(page19).href]);
    await page.close();
  });

  it('filters by learner and by check, and sorts by a check, in the browser', { timeout: 120_000 }, async () => {
    expect(gradedStdout).not.toBe('');
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(pathToFileURL(page19).href);

    await page.fill('#learner-filter', 'AR');
    expect((await renderedTable(page)).map((r) => r.learner)).toEqual(['carol']);
    expect(await page.textContent('#shown')).toBe('1 of 5 learners shown');
    await page.fill('#learner-filter', '');

    await page.selectOption('#check-filter', 'app-answers');
    await page.selectOption('#status-filter', 'fail');
    const failing = await renderedTable(page);
    expect(failing).toEqual([{ learner: 'bob', cells: { 'app-answers': 'fail' }, result: 'FAIL 1 of 2 passed' }]);
    expect(await page.locator('#class-table thead th[data-check]:visible').allTextContents()).toEqual(['app-answers']);
    await page.screenshot({ path: join(OUTPUT, 'class-filtered.png'), fullPage: true });

    // A check's bar shows who failed it.
    await page.click('button[data-show-check="image-builds"]');
    expect((await renderedTable(page)).map((r) => r.learner)).toEqual(['carol']);

    await page.selectOption('#check-filter', '');
    await page.selectOption('#status-filter', '');
    await page.click('#class-table thead th[data-check="app-answers"] button');
    expect((await renderedTable(page)).map((r) => r.learner)).toEqual(['bob', 'dave', 'carol', HOSTILE, 'alice']);
    expect(await page.getAttribute('#class-table thead th[data-check="app-answers"]', 'aria-sort')).toBe('ascending');
    await page.click('#class-table thead th[data-sort="learner"] button');
    expect((await renderedTable(page)).map((r) => r.learner)).toEqual([HOSTILE, 'alice', 'bob', 'carol', 'dave']);
    await page.close();
  });

  it('builds the same page with `docklab report` from documents learners wrote with verify --json', { timeout: 600_000 }, async () => {
    const handedIn = join(root, 'handed-in');
    for (const name of ['alice', 'bob']) {
      mkdirSync(join(handedIn, name), { recursive: true });
      const verified = await docklab('verify', '19', '--dir', join(klass, name), '--json');
      expect(verified.exitCode, verified.stderr).toBe(name === 'alice' ? 0 : 1);
      writeFileSync(join(handedIn, name, 'results.json'), verified.stdout);
    }
    const reportPage = join(OUTPUT, 'report.html');
    const reported = await docklab('report', join(handedIn, 'alice', 'results.json'), join(handedIn, 'bob', 'results.json'), '--summary', reportPage);
    expect(reported.exitCode, reported.stderr).toBe(1);
    expect(reported.stdout).toContain('1 of 2 learners passed lab 19');

    const page = await browser.newPage({ viewport: { width: 1100, height: 600 } });
    await page.goto(pathToFileURL(reportPage).href);
    expect(await renderedTable(page)).toEqual([
      { learner: 'alice', cells: { 'image-builds': 'pass', 'app-answers': 'pass' }, result: 'PASS 2 of 2 passed' },
      { learner: 'bob', cells: { 'image-builds': 'pass', 'app-answers': 'fail' }, result: 'FAIL 1 of 2 passed' },
    ]);
    const tip = await page.locator('tr[data-learner="bob"] td[data-check="app-answers"]').getAttribute('data-tip');
    expect(tip).toMatch(/hint: .*0\.0\.0\.0/);
    await page.screenshot({ path: join(OUTPUT, 'report.png'), fullPage: true });
    await page.close();
  });
});
