import type { LabContext } from '../labs/lab-context.js';

/** What a check concluded. A failure always says what was expected, what was found and a hint. */
export type CheckOutcome =
  | { status: 'pass'; found?: string; details?: string[] }
  | { status: 'fail'; expected: string; found: string; hint: string; details?: string[] };

export interface CheckDefinition {
  /** Stable kebab-case id: broken cases and reports name checks by it. */
  id: string;
  title: string;
  /** Checks that must pass first; when one did not, this one is skipped with the reason. */
  dependsOn?: string[];
  /** Time limit for the whole check, waits included. Default 60 s. */
  timeoutMs?: number;
  run(ctx: LabContext): Promise<CheckOutcome>;
}

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

export function pass(found?: string, details?: string[]): CheckOutcome {
  return { status: 'pass', found, details };
}

export function fail(expected: string, found: string, hint: string, details?: string[]): CheckOutcome {
  return { status: 'fail', expected, found, hint, details };
}

/** Thrown inside a check to end it as a failure from deep in a helper (a wait that timed out, say). */
export class CheckFailure extends Error {
  constructor(
    readonly expected: string,
    readonly found: string,
    readonly hint: string,
    readonly details: string[] = [],
  ) {
    super(`expected ${expected}, found ${found}`);
    this.name = 'CheckFailure';
  }
}
