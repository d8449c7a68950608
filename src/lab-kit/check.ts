import type { CheckContext } from './check-context.js';
import type { CheckOutcome } from './check-outcome.js';

export type { CheckOutcome } from './check-outcome.js';

export interface CheckDefinition<T = unknown> {
  /** Stable kebab-case id: broken cases and reports name checks by it. */
  id: string;
  title: string;
  /** Checks that must pass first (their ids or the checks themselves); when one did not, this one is skipped with the reason. */
  dependsOn?: Array<string | CheckDefinition<any>>;
  /** Time limit for the whole check, waits included. Default 60 s. */
  timeoutMs?: number;
  run(ctx: CheckContext): Promise<CheckOutcome<T>>;
}

/** A check that hands a typed value to the checks after it. */
export type Check<T> = CheckDefinition<T>;

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  expected?: string;
  found?: string;
  hint?: string;
  /** Why a check was skipped. */
  reason?: string;
  /** The error code when the check ended on an error rather than on evidence (DOCKLAB_TIMEOUT, …). */
  code?: string;
  details?: string[];
  durationMs: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;

export function pass(found?: string, details?: string[]): CheckOutcome<never> {
  return { status: 'pass', found, details };
}

/** A pass that hands `value` to later checks: they read it with `ctx.get(thisCheck)`. */
export function passWith<T>(value: T, found?: string, details?: string[]): CheckOutcome<T> {
  return { status: 'pass', found, details, value };
}

export function fail(expected: string, found: string, hint: string, details?: string[]): CheckOutcome<never> {
  return { status: 'fail', expected, found, hint, details };
}

/** The ids a check depends on, whether named by id or by the check itself. */
export function dependencyIds(check: Pick<CheckDefinition, 'dependsOn'>): string[] {
  return (check.dependsOn ?? []).map((d) => (typeof d === 'string' ? d : d.id));
}

/** Thrown inside a check to end it as a failure from deep in a helper (a wait that timed out, say). */
export { ExpectationFailure as CheckFailure } from '../util/expectation-failure.js';
