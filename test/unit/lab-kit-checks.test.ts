import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/lab-kit/check-context.js';
import { CheckFailure, fail, pass, passWith, type Check, type CheckDefinition, type CheckResult } from '../../src/lab-kit/check.js';
import { defineLab, type LabDefinition } from '../../src/lab-kit/define-lab.js';
import { executeCheck } from '../../src/checks/check-executor.js';
import { planRun } from '../../src/labs/run-plan.js';

/** The executor's logic needs no engine: a context that only holds handed-on values. */
function contextWith(handles: Map<string, unknown>): CheckContext {
  return {
    get: <T>(check: CheckDefinition<T> | string) => handles.get(typeof check === 'string' ? check : check.id) as T,
  } as CheckContext;
}

describe('the check executor', () => {
  it('hands a typed value from one check to a later one through dependsOn', async () => {
    const handles = new Map<string, unknown>();
    const ctx = contextWith(handles);
    const built: Check<{ ref: string; sizeBytes: number }> = {
      id: 'built',
      title: 'builds',
      run: async () => passWith({ ref: 'app:1', sizeBytes: 42 }, 'built'),
    };
    const runs: CheckDefinition = {
      id: 'runs',
      title: 'runs',
      dependsOn: [built],
      run: async (c) => pass(`ran ${c.get(built).ref} (${c.get(built).sizeBytes} B)`),
    };
    const results: CheckResult[] = [];
    results.push(await executeCheck(built, ctx, results, undefined, handles));
    results.push(await executeCheck(runs, ctx, results, undefined, handles));
    expect(results.map((r) => [r.id, r.status, r.found])).toEqual([
      ['built', 'pass', 'built'],
      ['runs', 'pass', 'ran app:1 (42 B)'],
    ]);
  });

  it('skips a check whose dependency (named by id or by the check) did not pass, with the reason', async () => {
    const failing: CheckDefinition = { id: 'first', title: 'first', run: async () => fail('a', 'b', 'c') };
    const byObject: CheckDefinition = { id: 'second', title: 'second', dependsOn: [failing], run: async () => pass() };
    const byId: CheckDefinition = { id: 'third', title: 'third', dependsOn: ['first'], run: async () => pass() };
    const ctx = contextWith(new Map());
    const results: CheckResult[] = [await executeCheck(failing, ctx, [])];
    expect(await executeCheck(byObject, ctx, results)).toMatchObject({ status: 'skipped', reason: "'first' did not pass" });
    expect(await executeCheck(byId, ctx, results)).toMatchObject({ status: 'skipped', reason: "'first' did not pass" });
  });

  it('keeps no value of a failed check', async () => {
    const handles = new Map<string, unknown>();
    const check: CheckDefinition = {
      id: 'half',
      title: 'half',
      run: async () => {
        throw new CheckFailure('x', 'y', 'z', ['detail']);
      },
    };
    expect(await executeCheck(check, contextWith(handles), [], undefined, handles)).toMatchObject({
      status: 'fail',
      expected: 'x',
      found: 'y',
      hint: 'z',
      details: ['detail'],
    });
    expect(handles.size).toBe(0);
  });

  it('a check that throws an ordinary error fails with it as what was found, never crashing the run', async () => {
    const check: CheckDefinition = { id: 'boom', title: 'boom', run: async () => Promise.reject(new Error('kaput\nsecond line')) };
    expect(await executeCheck(check, contextWith(new Map()), [])).toMatchObject({ status: 'fail', found: 'an error: kaput' });
  });
});

describe('defineLab', () => {
  const base: LabDefinition = { title: 'T', summary: 'S', images: [], evidence: 'files', checks: [{ id: 'a', title: 'a', run: async () => pass() }] };
  const complaint = (definition: unknown) => {
    try {
      defineLab(definition as LabDefinition);
      return 'accepted';
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message}`;
    }
  };

  it('accepts a well-formed lab and a dependency given as the check itself', () => {
    const first = base.checks[0]!;
    expect(complaint({ ...base, checks: [first, { id: 'b', title: 'b', dependsOn: [first], run: async () => pass() }] })).toBe('accepted');
  });

  it('refuses what a lab author gets wrong, with DOCKLAB_LAB_INVALID', () => {
    expect(complaint({ ...base, checks: [...base.checks, ...base.checks] })).toBe("DOCKLAB_LAB_INVALID: lab 'T': check id 'a' is used twice");
    expect(complaint({ ...base, checks: [{ id: 'b', title: 'b', dependsOn: ['a'], run: async () => pass() }] })).toMatch(
      /depends on 'a', which is not an earlier check/,
    );
    expect(complaint({ ...base, evidence: 'engine' })).toMatch(/evidence must be 'files', 'state' or 'both'/);
    expect(complaint({ ...base, evidence: 'state', setup: async () => {} })).toMatch(
      /a state lab keeps no setup of its own: write its steps as scenario\.yaml/,
    );
    expect(complaint({ ...base, options: [{ name: 'dir', description: 'x' }] })).toMatch(/option --dir belongs to docklab's own commands/);
    expect(complaint({ ...base, options: [{ name: 'lb', description: 'x', choices: ['a'], default: 'b' }] })).toMatch(/default 'b' is not one of its choices/);
    expect(complaint({ ...base, checks: [{ id: 'x', title: 'x' }] })).toMatch(/check 'x' needs a run function/);
  });
});

describe('the run plan', () => {
  const lab = (evidence: LabDefinition['evidence'], setup?: LabDefinition['setup']) => ({ evidence, setup });

  it('a state verify sets up nothing and judges the whole engine', () => {
    expect(planRun(lab('state'), { mode: 'verify' })).toEqual({ mode: 'verify', setUp: { kind: 'none' }, judges: 'engine', needsFolder: false });
  });

  it('a run of a state lab plays the folder scenario and judges only what the run made', () => {
    const plan = planRun(lab('state'), { mode: 'run', sourceDir: new URL('../../labs/02-nginx-port-8080/solution', import.meta.url).pathname });
    expect(plan.setUp.kind).toBe('scenario');
    expect(plan.judges).toBe('run');
  });

  it('a files lab needs a folder under verify, and runs its own setup when it has one', () => {
    const setup = async () => {};
    expect(planRun(lab('files', setup), { mode: 'verify', sourceDir: '/nowhere' })).toEqual({
      mode: 'verify',
      setUp: { kind: 'setup', from: '/nowhere' },
      judges: 'run',
      needsFolder: true,
    });
    expect(planRun(lab('files'), { mode: 'run', sourceDir: '/nowhere' })).toMatchObject({ setUp: { kind: 'none' }, judges: 'run', needsFolder: false });
    expect(planRun(lab('both'), { mode: 'verify' })).toMatchObject({ judges: 'run', needsFolder: true });
  });
});
