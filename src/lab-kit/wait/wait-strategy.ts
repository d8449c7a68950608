import type { CheckContext } from '../check-context.js';
import type { Diagnose, Diagnosis, WaitFailure } from './wait-failure.js';
import { DEFAULT_STARTUP_TIMEOUT_MS, waitLoop, type Attempt } from './wait-loop.js';

/** What a wait is pointed at: the container whose exit ends it early. */
export interface WaitTarget {
  containerId?: string;
}

/**
 * A wait as an object: what it waits for, its startup timeout, and how a
 * failure is explained (`diagnose`). Made by `Wait.forHttp(…)` and friends,
 * tuned with `withStartupTimeout`, `diagnose`, `withHint`, run with
 * `waitFor(ctx, strategy, target)`.
 */
export abstract class WaitStrategy<T> {
  startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
  intervalMs = 250;
  private diagnoser: Diagnose = defaultDiagnosis;

  /** The expectation, in words: "HTTP 200 from http://…". */
  abstract describe(): string;

  /** One look at the evidence. */
  protected abstract attempt(ctx: CheckContext, target: WaitTarget): Attempt<T>;

  /** Whether an exit of the target container ends the wait (not for a wait on an exit or an unhealthy state). */
  protected watchesExit = true;

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }

  /** A timed-out wait also brings the watched container's last lines of log, for the hint and the report. */
  withLogs(lines = 12): this {
    this.logLines = lines;
    return this;
  }

  private logLines: number | undefined;

  withInterval(ms: number): this {
    this.intervalMs = ms;
    return this;
  }

  /** How a failure becomes a hint: the facts (exited, its code, timed out, last seen) in, the hint out. */
  diagnose(diagnose: Diagnose): this {
    this.diagnoser = diagnose;
    return this;
  }

  /** The expectation as the report says it, when the lab's words say more than the strategy's ("the copy of the app storing an item"). */
  describedAs(expected: string): this {
    this.description = expected;
    return this;
  }

  private description: string | undefined;

  /** One hint whatever went wrong. */
  withHint(hint: string): this {
    return this.diagnose(() => hint);
  }

  hintFor(failure: WaitFailure): Diagnosis | Promise<Diagnosis> {
    return this.diagnoser(failure);
  }

  waitUntilReady(ctx: CheckContext, target: WaitTarget = {}): Promise<T> {
    return waitLoop(this.attempt(ctx, target), {
      expected: this.description ?? this.describe(),
      timeoutMs: this.startupTimeoutMs,
      intervalMs: this.intervalMs,
      container: target.containerId && this.watchesExit ? { docker: ctx.docker, id: target.containerId } : undefined,
      signal: ctx.signal,
      diagnose: (failure) => this.diagnoser(failure),
      logLines: this.logLines,
    });
  }
}

/** The hint when a lab gave none: what happened, in general terms. */
export function defaultDiagnosis(failure: WaitFailure): string {
  if (failure.reason === 'exited')
    return failure.oomKilled ? 'the container ran out of memory: raise its limit or use less' : 'the container stopped: its last log lines below say why';
  if (failure.reason === 'gone') return 'the container was removed while docklab waited for it';
  if (failure.reason === 'final') return 'the answer says it will not change by waiting: what was found above is why';
  return 'it did not get there in time: docker logs shows what the container is doing';
}
