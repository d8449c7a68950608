import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/lab-kit/check-context.js';
import { CheckFailure, pass, type CheckDefinition } from '../../src/lab-kit/check.js';
import { defineLab, type LabDefinition } from '../../src/lab-kit/define-lab.js';
import { labSetup, SETUP_ID } from '../../src/lab-kit/lab-setup.js';
import { Wait, waitFor } from '../../src/lab-kit/wait/wait.js';
import { COMPOSE_FILE_CHECK, serviceFor, type ComposeServices } from '../../src/checks/compose-checks.js';
import { planRun, setUp } from '../../src/labs/run-plan.js';

const LABS_DIR = new URL('../../labs', import.meta.url).pathname;

/** A context that holds only handed-on values, and says so as the real one does when one is missing. */
function contextWith(handles: Map<string, unknown>): CheckContext {
  return {
    signal: undefined,
    get: <T>(check: { id: string } | string) => {
      const id = typeof check === 'string' ? check : check.id;
      if (!handles.has(id)) throw new Error(`check '${id}' handed nothing on`);
      return handles.get(id) as T;
    },
    failWith: (expected: string, found: string, hint: string) => {
      throw new CheckFailure(expected, found, hint);
    },
  } as unknown as CheckContext;
}

async function failureOf(promise: Promise<unknown>): Promise<CheckFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CheckFailure) return error;
    throw error;
  }
  throw new Error('it did not fail');
}

describe('waits that explain themselves (no placeholder hints)', () => {
  it('an attempt marked final ends the wait at once, and diagnose is told why', async () => {
    let attempts = 0;
    const strategy = Wait.until('the note after a restart', async () => {
      attempts += 1;
      return { ok: false as const, seen: 'HTTP 404 "no such note"', final: true };
    })
      .withStartupTimeout(60_000)
      .diagnose((f) => `${f.reason}: ${f.lastSeen}`);
    const started = Date.now();
    const failure = await failureOf(waitFor(contextWith(new Map()), strategy));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(attempts).toBe(1);
    expect([failure.expected, failure.found, failure.hint]).toEqual(['the note after a restart', 'HTTP 404 "no such note"', 'final: HTTP 404 "no such note"']);
  });

  it('diagnose may give what it found when it looked further, and details, beside the hint', async () => {
    const strategy = Wait.until('never', async () => ({ ok: false as const, seen: 'no' }))
      .withStartupTimeout(60)
      .diagnose(async (f) => ({
        hint: 'keep the data on a named volume',
        found: `${f.lastSeen}; the data folder is an anonymous volume`,
        details: ['looked at the mounts'],
      }));
    const failure = await failureOf(waitFor(contextWith(new Map()), strategy));
    expect([failure.found, failure.hint, failure.details]).toEqual([
      'no; the data folder is an anonymous volume',
      'keep the data on a named volume',
      ['looked at the mounts'],
    ]);
  });

  it("a wait can state its expectation in the lab's words", async () => {
    const strategy = Wait.until('HTTP 201', async () => ({ ok: false as const, seen: 'HTTP 500' }))
      .describedAs('the copy of the app storing an item')
      .withStartupTimeout(60);
    expect((await failureOf(waitFor(contextWith(new Map()), strategy))).expected).toBe('the copy of the app storing an item');
  });

  it('no lab gives a placeholder hint to be replaced later', () => {
    const offenders = readdirSync(LABS_DIR)
      .filter((dir) => /^\d\d-/.test(dir))
      .filter((dir) => /['"`]pending['"`]/.test(readFileSync(join(LABS_DIR, dir, 'lab.ts'), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('typed handles instead of a string-keyed map', () => {
  it("a files lab's set-up hands its value to the checks, read with ctx.get(theSetup)", async () => {
    const made = labSetup(async () => ({ network: 'fitguru', servers: ['static1', 'dynamic1'] }));
    const definition: LabDefinition = {
      title: 't',
      summary: 's',
      images: [],
      evidence: 'files',
      setup: made,
      checks: [{ id: 'a', title: 'a', run: async () => pass() }],
    };
    const handles = new Map<string, unknown>();
    const ctx = contextWith(handles);
    const plan = planRun(defineLab(definition), { mode: 'run', sourceDir: '/nowhere' });
    expect(plan.setUp.kind).toBe('setup');
    await setUp(ctx, definition, plan, handles);
    const value = ctx.get(made);
    expect(value.network).toBe('fitguru');
    expect(value.servers).toEqual(['static1', 'dynamic1']);
  });

  it("defineLab refuses a check that takes the set-up's id", () => {
    const check: CheckDefinition = { id: SETUP_ID, title: 'x', run: async () => pass() };
    expect(() => defineLab({ title: 't', summary: 's', images: [], evidence: 'files', checks: [check] })).toThrow(/names the lab's set-up/);
  });

  it('serviceFor reads the service the compose-file check handed on, and says which check must pass when none did', () => {
    const handles = new Map<string, unknown>();
    const ctx = contextWith(handles);
    const failure = (() => {
      try {
        return serviceFor(ctx, 'nginx');
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(CheckFailure);
    expect((failure as CheckFailure).hint).toBe('the compose-file check must pass first');
    handles.set(COMPOSE_FILE_CHECK, { project: undefined, services: { nginx: 'web' } } as unknown as ComposeServices);
    expect(serviceFor(ctx, 'nginx')).toBe('web');
  });
});
