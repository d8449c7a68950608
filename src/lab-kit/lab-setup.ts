import type { CheckContext } from './check-context.js';
import { passWith, type CheckOutcome } from './check.js';

/** The id a files lab's set-up hands its value on under; no check may take it. */
export const SETUP_ID = 'setup';

/**
 * A files lab's own set-up, made with labSetup: what it returns (a network,
 * the servers it started) reaches the checks as a check's handed-on value
 * does, typed, through `ctx.get(theSetup)`. It runs before the first check
 * and a failure stops the run, so a check reads it without a dependsOn.
 */
export interface LabSetup<T> {
  readonly id: typeof SETUP_ID;
  run(ctx: CheckContext): Promise<CheckOutcome<T>>;
}

export function labSetup<T>(make: (ctx: CheckContext) => Promise<T>): LabSetup<T> {
  return { id: SETUP_ID, run: async (ctx) => passWith(await make(ctx)) };
}

/** Runs a lab's set-up (either form); returns what it hands on, if anything. */
export async function runLabSetup(
  setup: LabSetup<unknown> | ((ctx: CheckContext) => Promise<void>),
  ctx: CheckContext,
): Promise<{ value: unknown } | undefined> {
  if (typeof setup === 'function') {
    await setup(ctx);
    return undefined;
  }
  const outcome = await setup.run(ctx);
  return outcome.status === 'pass' ? { value: outcome.value } : undefined;
}
