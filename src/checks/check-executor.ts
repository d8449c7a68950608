import { CheckFailure, DEFAULT_CHECK_TIMEOUT_MS, type CheckDefinition, type CheckResult } from './check.js';
import type { LabContext } from '../labs/lab-context.js';
import { DocklabError } from '../errors.js';

/**
 * Runs one check with its time limit. A check that throws is a failure with
 * what it threw as what was found: a check never crashes a run.
 */
export async function executeCheck(check: CheckDefinition, ctx: LabContext, earlier: CheckResult[]): Promise<CheckResult> {
  const started = Date.now();
  const base = { id: check.id, title: check.title };
  const blocker = (check.dependsOn ?? []).map((id) => earlier.find((r) => r.id === id)).find((r) => r && r.status !== 'pass');
  if (blocker) {
    return { ...base, status: 'skipped', reason: `'${blocker.id}' did not pass`, durationMs: 0 };
  }
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      check.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs);
      }),
    ]);
    const durationMs = Date.now() - started;
    return outcome.status === 'pass'
      ? { ...base, status: 'pass', found: outcome.found, details: outcome.details, durationMs }
      : { ...base, status: 'fail', expected: outcome.expected, found: outcome.found, hint: outcome.hint, details: outcome.details, durationMs };
  } catch (error) {
    const durationMs = Date.now() - started;
    if (error instanceof CheckFailure) {
      return { ...base, status: 'fail', expected: error.expected, found: error.found, hint: error.hint, details: error.details, durationMs };
    }
    if (error instanceof CheckTimeout) {
      return { ...base, status: 'fail', expected: `the check to finish within ${timeoutMs / 1000} s`, found: 'it was still waiting', hint: 'look at the container logs (docker logs) for what it was doing', durationMs };
    }
    if (error instanceof DocklabError) {
      return { ...base, status: 'fail', expected: check.title, found: error.message, hint: hintFor(error), details: error.details, durationMs };
    }
    return { ...base, status: 'fail', expected: check.title, found: `an error: ${(error as Error).message?.split('\n')[0]}`, hint: 'this may be a docklab bug if the message makes no sense', durationMs };
  } finally {
    clearTimeout(timer);
  }
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

class CheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}
