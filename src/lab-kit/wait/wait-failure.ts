/**
 * Why a wait ended without what it waited for, as facts a `diagnose` hook
 * can turn into a hint: the container it watched exited (with its code, and
 * whether it was killed for memory), is gone, the startup timeout ran out
 * while the evidence showed something else, or the evidence itself said
 * that waiting longer would change nothing (an attempt marked `final`).
 */
export interface WaitFailure {
  /** What the wait was for, said as an expectation: "HTTP 200 from http://…". */
  expected: string;
  /** What was seen instead (the last attempt), or what happened to the container. */
  found: string;
  /** The container's last log lines, when it exited. */
  details: string[];
  /** The last thing the evidence showed, without the container's fate. */
  lastSeen: string;
  reason: 'timeout' | 'exited' | 'gone' | 'final';
  exitCode?: number;
  oomKilled?: boolean;
}

/**
 * A hint, or a hint with what the hook found when it looked further (the
 * state of a volume, another container's log lines): `found` then replaces
 * what the wait saw, `details` its details.
 */
export type Diagnosis = string | { hint: string; found?: string; details?: string[] };

/** Turns the facts of a failed wait into a hint for the learner (it may look further, e.g. at the container's logs). */
export type Diagnose = (failure: WaitFailure) => Diagnosis | Promise<Diagnosis>;
