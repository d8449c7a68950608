import { expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { LABEL } from '../../src/engine/labels.js';
import type { Lab } from '../../src/labs/lab-definition.js';
import { runLab, type LabRunOptions } from '../../src/labs/lab-runner.js';
import { alternativeCases } from './alternative-cases.js';

/**
 * The tests every lab gets: its reference solution passes every check, each
 * broken case fails the check it names with its hint, each alternative
 * correct solution passes every check, and no run leaves anything labelled
 * behind.
 */
export function labCaseTests(engine: () => Engine, lab: Lab, options: Partial<LabRunOptions> = {}): void {
  it('the reference solution passes every check', { timeout: 900_000 }, async () => {
    const run = await runLab(lab, { ...options, mode: 'run', output: 'silent' });
    const failed = run.results.filter((r) => r.status !== 'pass');
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(run.results.map((r) => r.id)).toEqual(lab.definition.checks.map((c) => c.id));
    await expectNothingLeft(engine(), run.runId);
  });

  for (const broken of lab.brokenCases) {
    it(`broken case '${broken.name}' fails '${broken.fails}'`, { timeout: 900_000 }, async () => {
      const run = await runLab(lab, { ...options, mode: 'run', sourceDir: broken.dir, output: 'silent' });
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
      await expectNothingLeft(engine(), run.runId);
    });
  }

  for (const alternative of alternativeCases(lab)) {
    it(`alternative '${alternative.name}' passes every check`, { timeout: 900_000 }, async () => {
      // A files lab judges the folder as a learner hands it in (verify: nothing laid under it); a state lab makes its state first (run).
      const mode = lab.definition.evidence === 'state' ? 'run' : 'verify';
      const run = await runLab(lab, { ...options, mode, sourceDir: alternative.dir, output: 'silent' });
      const failed = run.results.filter((r) => r.status !== 'pass');
      expect(failed, `${alternative.description}\n${JSON.stringify(failed, null, 2)}`).toEqual([]);
      expect(run.results.map((r) => r.id)).toEqual(lab.definition.checks.map((c) => c.id));
      await expectNothingLeft(engine(), run.runId);
    });
  }
}

async function expectNothingLeft(engine: Engine, runId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${LABEL.run}=${runId}`] });
  const docker = engine.docker;
  expect(await docker.listContainers({ all: true, filters })).toEqual([]);
  expect(await docker.listNetworks({ filters })).toEqual([]);
  expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  expect(await docker.listImages({ filters })).toEqual([]);
}
