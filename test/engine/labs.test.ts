import { describe } from 'vitest';
import { engineOrSkip } from './engine-gate.js';
import { labCaseTests } from './lab-cases.js';
import { loadLabs } from '../../src/labs/lab-loader.js';

/**
 * Every lab folder, found by scanning labs/: adding a lab adds its tests here
 * without touching this file. Lab 0 has two balancers: lab-00.test.ts runs it.
 * DOCKLAB_LABS=1,3 narrows the run while working on a lab.
 */
const engine = await engineOrSkip();
const only = process.env.DOCKLAB_LABS?.split(',').map(Number);
const labs = (await loadLabs()).filter((lab) => lab.number > 0 && (!only || only.includes(lab.number)));

describe.skipIf(!engine)('labs on a real engine', () => {
  for (const lab of labs) {
    describe(`lab ${lab.number}: ${lab.definition.title}`, () => labCaseTests(() => engine!, lab));
  }
});
