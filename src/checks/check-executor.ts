import { CheckFailure, DEFAULT_CHECK_TIMEOUT_MS, dependencyIds, type CheckDefinition, type CheckResult } from '../lab-kit/check.js';
import type { CheckContext } from '../lab-kit/check-context.js';
import { DocklabError } from '../errors.js';
import { withSignal } from '../util/ambient-signal.js';
import { isInterrupted, raceAbort } from '../util/interruption.js';

/**
 * Runs one check with its time limit. A check that throws is a failure with
 * what it threw as what was found: a check never crashes a run.
 */
export async function executeCheck(
  check: CheckDefinition,
  ctx: CheckContext,
  earlier: CheckResult[],
  runSignal?: AbortSignal,
  /** Where a passing check's handed-on value (passWith) is kept for `ctx.get`. */
  handles?: Map<string, unknown>,
): Promise<CheckResult> {
  const started = Date.now();
  const base = { id: check.id, title: check.title };
  const blocker = dependencyIds(check)
    .map((id) => earlier.find((r) => r.id === id))
    .find((r) => r && r.status !== 'pass');
  if (blocker) {
    return { ...base, status: 'skipped', reason: `'${blocker.id}' did not pass`, durationMs: 0 };
  }
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  // The check's own signal: aborted by its time limit or by the run's
  // interruption. Every wait and engine call made for the check sees it, so
  // a check past its time stops instead of acting after its verdict.
  const limit = new AbortController();
  const signal = runSignal ? AbortSignal.any([runSignal, limit.signal]) : limit.signal;
  const timer = setTimeout(
    () => limit.abort(new DocklabError('DOCKLAB_TIMEOUT', `check '${check.id}' ran past its time limit of ${formatSeconds(timeoutMs)}`)),
    timeoutMs,
  );
  try {
    const running = withSignal(signal, () => check.run(ctx));
    // A check that ignores its signal is given a moment to notice, then left to the teardown.
    const outcome = await raceAbort(running, signal, (reason) => abortGrace(running, reason));
    const durationMs = Date.now() - started;
    if (outcome.status === 'pass' && outcome.value !== undefined) handles?.set(check.id, outcome.value);
    return outcome.status === 'pass'
      ? { ...base, status: 'pass', found: outcome.found, details: outcome.details, durationMs }
      : { ...base, status: 'fail', expected: outcome.expected, found: outcome.found, hint: outcome.hint, details: outcome.details, durationMs };
  } catch (error) {
    const durationMs = Date.now() - started;
    const reason = signal.aborted ? signal.reason : error;
    if (isInterrupted(reason)) throw reason;
    if (reason instanceof DocklabError && reason.code === 'DOCKLAB_TIMEOUT') {
      return {
        ...base,
        status: 'fail',
        code: reason.code,
        expected: `the check to finish within ${formatSeconds(timeoutMs)}`,
        found: `it was still running and was stopped [${reason.code}]`,
        hint: 'look at the container logs (docker logs) for what it was doing',
        durationMs,
      };
    }
    if (error instanceof CheckFailure) {
      return { ...base, status: 'fail', expected: error.expected, found: error.found, hint: error.hint, details: error.details, durationMs };
    }
    if (error instanceof DocklabError) {
      return {
        ...base,
        status: 'fail',
        code: error.code,
        expected: check.title,
        found: `${error.message} [${error.code}]`,
        hint: hintFor(error),
        details: error.details,
        durationMs,
      };
    }
    return {
      ...base,
      status: 'fail',
      expected: check.title,
      found: `an error: ${(error as Error).message?.split('\n')[0]}`,
      hint: 'this may be a docklab bug if the message makes no sense',
      durationMs,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** How long a stopped check may take to unwind before its verdict is given without it. */
export const ABORT_GRACE_MS = 5_000;

async function abortGrace(running: Promise<unknown>, reason: unknown): Promise<never> {
  await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, ABORT_GRACE_MS).unref())]);
  throw reason;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function hintFor(error: DocklabError): string {
  switch (error.code) {
    case 'DOCKLAB_IMAGE_BUILD_FAILED':
      return 'fix the failing Dockerfile step; its last output lines are below';
    case 'DOCKLAB_IMAGE_UNAVAILABLE':
      return 'use an image tag that can be had here (see `docklab images`)';
    default:
      return 'see the message above';
  }
}
