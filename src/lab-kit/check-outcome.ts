/**
 * What a check concluded. A failure always says what was expected, what was
 * found and a hint. A pass may carry a value (a built image, a started
 * container, a compose stack) that later checks receive through `ctx.get`.
 */
export type CheckOutcome<T = unknown> =
  | { status: 'pass'; found?: string; details?: string[]; value?: T }
  | { status: 'fail'; expected: string; found: string; hint: string; details?: string[] };
