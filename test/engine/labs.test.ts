import { describe, expect, it } from 'vitest';
import { engineOrSkip } from './engine-gate.js';
import { loadLabs } from '../../src/labs/lab-loader.js';
import { runLab } from '../../src/labs/lab-runner.js';
import { LABEL } from '../../src/engine/labels.js';

/**
 * Every lab folder, found by scanning labs/: its reference solution passes
 * every check, and each broken case fails the check it names with its hint.
 * Adding a lab adds its tests here without touching this file.
 * DOCKLAB_LABS=1,3 narrows the run while working on a lab.
 */
const engine = await engineOrSkip();
const only = process.env.DOCKLAB_LABS?.split(',').map(Number);
const labs = (await loadLabs()).filter((lab) => lab.number > 0 && (!only || only.includes(lab.number)));

describe.skipIf(!engine)('labs on a real engine', () => {
  for (const lab of labs) {
    describe(`lab ${lab.number}: ${lab.definition.title}`, () => {
      it('the reference solution passes every check', { timeout: 900_000 }, async () => {
        const run = await runLab(lab, { mode: 'run', output: 'silent' });
        const failed = run.results.filter((r) => r.status !== 'pass');
        expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
        expect(run.results.map((r) => r.id)).toEqual(lab.definition.checks.map((c) => c.id));
        await expectNothingLeft(run.runId);
      });

      for (const broken of lab.brokenCases) {
        it(`broken case '${broken.name}' fails '${broken.fails}'`, { timeout: 900_000 }, async () => {
          const run = await runLab(lab, { mode: 'run', sourceDir: broken.dir, output: 'silent' });
          expect(run.status).toBe('fail');
          const result = run.results.find((r) => r.id === broken.fails);
          expect(result?.status, JSON.stringify(run.results, null, 2)).toBe('fail');
          expect(result?.expected).toBeTruthy();
          expect(result?.found).toBeTruthy();
          expect(result?.hint).toBeTruthy();
          if (broken.hintIncludes) {
            const said = [result?.hint, result?.found, ...(result?.details ?? [])].join('\n');
            expect(said).toContain(broken.hintIncludes);
          }
          await expectNothingLeft(run.runId);
        });
      }
    });
  }
});

async function expectNothingLeft(runId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${LABEL.run}=${runId}`] });
  const docker = engine!.docker;
  expect(await docker.listContainers({ all: true, filters })).toEqual([]);
  expect(await docker.listNetworks({ filters })).toEqual([]);
  expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  expect(await docker.listImages({ filters })).toEqual([]);
}
