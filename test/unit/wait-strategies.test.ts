import { describe, expect, it } from 'vitest';
import type { CheckContext, HttpAnswer } from '../../src/lab-kit/check-context.js';
import { CheckFailure } from '../../src/lab-kit/check.js';
import { Wait, waitFor } from '../../src/lab-kit/wait/wait.js';

/** A context whose HTTP answers and log lines come from lists: the waits' logic without an engine. */
function fakeContext(options: { answers?: HttpAnswer[]; logs?: string[][]; running?: boolean[] } = {}): CheckContext {
  const answers = [...(options.answers ?? [])];
  const logs = [...(options.logs ?? [])];
  const running = [...(options.running ?? [])];
  return {
    signal: undefined,
    http: async () => answers.shift() ?? { status: 0, headers: {}, body: 'ECONNREFUSED' },
    logTail: async () => (logs.length > 1 ? logs.shift()! : (logs[0] ?? [])),
    docker: {
      getContainer: () => ({
        inspect: async () => ({ State: { Running: running.length ? running.shift() : true, Restarting: false, ExitCode: 3, OOMKilled: false } }),
        logs: async () => Buffer.from(''),
      }),
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
  throw new Error('the wait did not fail');
}

describe('wait strategies', () => {
  it('an HTTP wait returns the answer once status and body are as wanted', async () => {
    const ctx = fakeContext({
      answers: [
        { status: 502, headers: {}, body: 'bad gateway' },
        { status: 200, headers: {}, body: 'Hello World' },
      ],
    });
    const answer = await waitFor(ctx, Wait.forHttp('http://127.0.0.1:1/', { status: 200, body: 'Hello' }).withStartupTimeout(2_000));
    expect(answer.body).toBe('Hello World');
  });

  it('its startup timeout ends it with what was last seen, and diagnose gives the hint from the facts', async () => {
    const ctx = fakeContext({ answers: Array.from({ length: 100 }, () => ({ status: 404, headers: {}, body: 'nope' })) });
    const strategy = Wait.forHttp('http://127.0.0.1:1/x', { status: 200 })
      .withStartupTimeout(150)
      .diagnose((f) => `${f.reason}: last ${f.lastSeen}`);
    const failure = await failureOf(waitFor(ctx, strategy));
    expect(failure.expected).toBe('HTTP 200 from http://127.0.0.1:1/x');
    expect(failure.found).toBe('HTTP 404 with body "nope" (after waiting 0 s)');
    expect(failure.hint).toBe('timeout: last HTTP 404 with body "nope"');
  });

  it('a container that exits ends the wait at once with its exit code, for diagnose to explain', async () => {
    const ctx = fakeContext({ running: [false] });
    const strategy = Wait.forLogLine(/ready/)
      .withStartupTimeout(60_000)
      .diagnose((f) => (f.reason === 'exited' ? `it stopped with ${f.exitCode}` : 'other'));
    const started = Date.now();
    const failure = await failureOf(waitFor(ctx, strategy, 'abc'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure.found).toMatch(/^the container exited with code 3/);
    expect(failure.hint).toBe('it stopped with 3');
  });

  it('a log-line wait returns the matching line', async () => {
    const ctx = fakeContext({ logs: [['starting'], ['starting', 'server ready on 80']] });
    expect(await waitFor(ctx, Wait.forLogLine(/ready on (\d+)/).withStartupTimeout(2_000), 'abc')).toBe('server ready on 80');
  });

  it("a probe of a lab's own, with a fixed hint", async () => {
    let n = 0;
    const strategy = Wait.until<number>('three attempts', async () =>
      ++n >= 3 ? { ok: true, value: n } : { ok: false, seen: `attempt ${n}` },
    ).withStartupTimeout(2_000);
    expect(await waitFor(fakeContext(), strategy)).toBe(3);
    const never = Wait.until('never', async () => ({ ok: false as const, seen: 'no' }))
      .withStartupTimeout(60)
      .withHint('fixed hint');
    expect((await failureOf(waitFor(fakeContext(), never))).hint).toBe('fixed hint');
  });

  it('diagnose may look further before it gives the hint (an async hook)', async () => {
    const strategy = Wait.until('never', async () => ({ ok: false as const, seen: 'no' }))
      .withStartupTimeout(60)
      .diagnose(async (f) => {
        await new Promise((r) => setTimeout(r, 5));
        return `looked again after: ${f.lastSeen}`;
      });
    expect((await failureOf(waitFor(fakeContext(), strategy))).hint).toBe('looked again after: no');
  });

  it('an aborted signal stops a wait with its reason', async () => {
    const controller = new AbortController();
    const ctx = { ...fakeContext(), signal: controller.signal } as CheckContext;
    setTimeout(() => controller.abort(new Error('stopped')), 50);
    await expect(waitFor(ctx, Wait.forHttp('http://127.0.0.1:1/').withStartupTimeout(10_000))).rejects.toThrow('stopped');
  });
});
