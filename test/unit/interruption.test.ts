import { afterEach, describe, expect, it, vi } from 'vitest';
import { Interruption, Interrupted, raceAbort } from '../../src/util/interruption.js';
import { executeCheck } from '../../src/checks/check-executor.js';
import { waitUntil } from '../../src/checks/wait/wait-strategy.js';
import { pass, type CheckDefinition } from '../../src/checks/check.js';
import type { LabContext } from '../../src/labs/lab-context.js';

/** One interruption path: every teardown runs, then one exit with 128 + the signal. */
describe('the interruption path', () => {
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  afterEach(() => write.mockClear());

  function fresh(): { interruption: Interruption; exits: number[] } {
    const interruption = new Interruption();
    const exits: number[] = [];
    interruption.exit = (code) => exits.push(code);
    return { interruption, exits };
  }

  it('aborts the shared signal, runs every registered teardown to its end, then exits 130 on SIGINT', async () => {
    const { interruption, exits } = fresh();
    const finished: string[] = [];
    for (const name of ['a', 'b']) {
      interruption.register({
        what: `run ${name} of lab 2`,
        remedy: 'docklab down 2',
        run: async () => {
          await new Promise((r) => setTimeout(r, name === 'a' ? 30 : 5));
          finished.push(name);
        },
      });
    }
    interruption.onSignal('SIGINT');
    expect(interruption.signal.aborted).toBe(true);
    expect(interruption.signal.reason).toBeInstanceOf(Interrupted);
    expect(exits).toEqual([]);
    await vi.waitFor(() => expect(exits).toEqual([130]));
    expect(finished.sort()).toEqual(['a', 'b']);
  });

  it('regression: under verify --all --parallel N no run exits the process before the others are torn down', async () => {
    const { interruption, exits } = fresh();
    const done: number[] = [];
    for (let i = 0; i < 3; i++)
      interruption.register({
        what: `run ${i}`,
        remedy: 'docklab down 19',
        run: async () => {
          await new Promise((r) => setTimeout(r, 10 * (3 - i)));
          expect(exits).toEqual([]);
          done.push(i);
        },
      });
    interruption.onSignal('SIGINT');
    await vi.waitFor(() => expect(exits).toEqual([130]));
    expect(done.sort()).toEqual([0, 1, 2]);
  });

  it('exits 143 on SIGTERM and 129 on SIGHUP', async () => {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      const { interruption, exits } = fresh();
      interruption.onSignal(signal);
      await vi.waitFor(() => expect(exits).toEqual([code]));
    }
  });

  it('a second Ctrl-C skips the teardown, naming what was left and the command that removes it', async () => {
    const { interruption, exits } = fresh();
    interruption.register({ what: 'run 3f9a of lab 10', remedy: 'docklab down 10', run: () => new Promise(() => {}) });
    interruption.onSignal('SIGINT');
    interruption.onSignal('SIGHUP'); // the terminal closing meanwhile does not cut the teardown short
    expect(exits).toEqual([]);
    interruption.onSignal('SIGINT');
    expect(exits).toEqual([130]);
    const said = write.mock.calls.map((c) => String(c[0])).join('');
    expect(said).toMatch(/interrupted: removing what run 3f9a of lab 10 made \(Ctrl-C again to leave it\)/);
    expect(said).toMatch(/teardown skipped; left run 3f9a of lab 10; remove with: docklab down 10\n/);
  });

  it('raceAbort leaves no listener behind on a long-lived signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await raceAbort(Promise.resolve(i), controller.signal);
    controller.abort(new Interrupted('SIGINT'));
    await expect(raceAbort(new Promise(() => {}), controller.signal)).rejects.toBeInstanceOf(Interrupted);
  });
});

describe('a check past its time limit', () => {
  const ctx = {} as LabContext;

  it('regression: a check that times out stops (no work after its verdict) and reports DOCKLAB_TIMEOUT', async () => {
    let attempts = 0;
    const check: CheckDefinition = {
      id: 'slow',
      title: 'something slow',
      timeoutMs: 150,
      run: async () => {
        await waitUntil(
          { expected: 'never', hint: 'h', attempt: async () => ({ ok: false, seen: `attempt ${++attempts}` }) },
          { timeoutMs: 10_000, intervalMs: 20 },
        );
        return pass();
      },
    };
    const result = await executeCheck(check, ctx, []);
    expect(result).toMatchObject({ status: 'fail', code: 'DOCKLAB_TIMEOUT', expected: 'the check to finish within 0.1 s' });
    expect(result.found).toContain('[DOCKLAB_TIMEOUT]');
    const seen = attempts;
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts).toBe(seen);
  });

  it('an interrupted run ends the check with the interruption, not a verdict', async () => {
    const run = new AbortController();
    const check: CheckDefinition = {
      id: 'waits',
      title: 'waits',
      run: async () => waitUntil({ expected: 'x', hint: 'h', attempt: async () => ({ ok: false, seen: 'no' }) }).then(() => pass()),
    };
    setTimeout(() => run.abort(new Interrupted('SIGINT')), 50);
    await expect(executeCheck(check, ctx, [], run.signal)).rejects.toBeInstanceOf(Interrupted);
  });

  it('a check that ignores its signal is given its verdict after a short grace', async () => {
    const check: CheckDefinition = { id: 'deaf', title: 'deaf', timeoutMs: 50, run: () => new Promise(() => {}) };
    const started = Date.now();
    const result = await executeCheck(check, ctx, []);
    expect(result.code).toBe('DOCKLAB_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(7_000);
  }, 10_000);
});

describe('helpers of a killed run', () => {
  it('regression: a Compose command that outlived its killed run is stopped before the reaper tears down (it would make containers after)', async () => {
    const { spawn } = await import('node:child_process');
    const { stopHelpersOf } = await import('../../src/engine/reaper.js');
    const run = `t${Date.now().toString(16).slice(-7)}`;
    const helper = spawn('sh', ['-c', 'sleep 30', 'docker-compose', '-p', `docklab-10-${run}`, 'up', '-d'], { stdio: 'ignore' });
    const bystander = spawn('sh', ['-c', 'sleep 30', 'docker-compose', '-p', `docklab-10-${run}x`, 'up'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise((resolve) => helper.once('exit', (_code, signal) => resolve(signal)));
    expect(stopHelpersOf([run])).toEqual([helper.pid]);
    expect(await exited).toBe('SIGKILL');
    expect(bystander.exitCode).toBeNull();
    bystander.kill();
  });
});
