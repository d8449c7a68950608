import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs, loadLab, editDistance } from '../../src/labs/lab-loader.js';
import { defineLab } from '../../src/labs/lab-definition.js';

const labs = await loadLabs();

describe('every lab folder follows the lab format', () => {
  for (const lab of labs) {
    describe(`lab ${lab.number} (${lab.slug})`, () => {
      it('has a README that names every check, a starter and a solution', () => {
        const readme = readFileSync(join(lab.dir, 'README.md'), 'utf8');
        for (const check of lab.definition.checks) expect(readme, `README of lab ${lab.number} should name check ${check.id}`).toContain(check.id);
        expect(existsSync(join(lab.dir, 'starter'))).toBe(true);
        expect(readdirSync(join(lab.dir, 'solution')).length).toBeGreaterThan(0);
      });
      it('ships at least one broken case naming a check it fails', () => {
        expect(lab.brokenCases.length).toBeGreaterThan(0);
        for (const broken of lab.brokenCases) expect(lab.definition.checks.map((c) => c.id)).toContain(broken.fails);
      });
      it('has a solution with every file it requires of a learner', () => {
        for (const file of lab.definition.requiredFiles ?? []) {
          const inSolution = existsSync(join(lab.dir, 'solution', file));
          const inTemplate = (lab.definition.templates ?? []).some((t) => existsSync(join(lab.dir, '..', '..', 'templates', 'apps', t, file)));
          expect(inSolution || inTemplate, `${file} of lab ${lab.number}`).toBe(true);
        }
      });
    });
  }
});

describe('finding labs', () => {
  it('by number, padded number or slug', async () => {
    expect((await loadLab('3')).slug).toBe('my-node-app');
    expect((await loadLab('03')).number).toBe(3);
    expect((await loadLab('nginx-port-8080')).number).toBe(2);
  });
  it('names the nearest labs for an unknown one', async () => {
    await expect(loadLab('99')).rejects.toMatchObject({ code: 'DOCKLAB_LAB_UNKNOWN', message: expect.stringMatching(/nearest: \d+ \(/) });
    await expect(loadLab('my-nod-app')).rejects.toThrow(/nearest: 3 \(my-node-app\)/);
  });
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('refuses a check that depends on a later or unknown one', () => {
    const check = (id: string, dependsOn?: string[]) => ({ id, title: id, dependsOn, run: async () => ({ status: 'pass' as const }) });
    expect(() => defineLab({ title: 't', summary: '', images: [], evidence: 'state', checks: [check('a', ['b']), check('b')] })).toThrow(
      /not an earlier check/,
    );
    expect(() => defineLab({ title: 't', summary: '', images: [], evidence: 'state', checks: [check('a'), check('a')] })).toThrow(/used twice/);
  });
});
