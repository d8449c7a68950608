import { describe, expect, it } from 'vitest';
import { engineOrSkip } from './engine-gate.js';
import { loadLab } from '../../src/labs/lab-loader.js';
import { runLab } from '../../src/labs/lab-runner.js';
import { LABEL } from '../../src/engine/labels.js';

/**
 * Lab 0 runs behind two balancers reading the same haproxy.cfg, so
 * labs.test.ts leaves it out: here its reference solution passes every check
 * with each balancer, and each broken case fails the check it names with
 * each balancer, leaving nothing labelled behind.
 * DOCKLAB_LB=haproxy (or docklab) narrows the run to one balancer.
 */
const engine = await engineOrSkip();
const lab = await loadLab('0');
const balancers = (['haproxy', 'docklab'] as const).filter((b) => !process.env.DOCKLAB_LB || process.env.DOCKLAB_LB === b);

describe.skipIf(!engine)(`lab 0: ${lab.definition.title}`, () => {
  for (const balancer of balancers) {
    describe(`with --lb ${balancer}`, () => {
      it('the reference solution passes every check', { timeout: 900_000 }, async () => {
        const run = await runLab(lab, { mode: 'run', balancer, output: 'silent' });
        const failed = run.results.filter((r) => r.status !== 'pass');
        expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
        expect(run.results.map((r) => r.id)).toEqual(lab.definition.checks.map((c) => c.id));
        await expectNothingLeft(run.runId);
      });

      for (const broken of lab.brokenCases) {
        it(`broken case '${broken.name}' fails '${broken.fails}'`, { timeout: 900_000 }, async () => {
          const run = await runLab(lab, { mode: 'run', sourceDir: broken.dir, balancer, output: 'silent' });
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
