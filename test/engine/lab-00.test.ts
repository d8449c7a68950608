import { describe } from 'vitest';
import { engineOrSkip } from './engine-gate.js';
import { labCaseTests } from './lab-cases.js';
import { loadLab } from '../../src/labs/lab-loader.js';

/**
 * Lab 0 runs behind two balancers reading the same haproxy.cfg: its reference
 * passes and each broken case fails its check with each of them.
 * DOCKLAB_LB=haproxy (or docklab) narrows the run to one balancer.
 */
const engine = await engineOrSkip();
const lab = await loadLab('0');
const balancers = (['haproxy', 'docklab'] as const).filter((b) => !process.env.DOCKLAB_LB || process.env.DOCKLAB_LB === b);

describe.skipIf(!engine)(`lab 0: ${lab.definition.title}`, () => {
  for (const balancer of balancers) {
    describe(`with --lb ${balancer}`, () => labCaseTests(() => engine!, lab, { balancer }));
  }
});
