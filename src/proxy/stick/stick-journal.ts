/**
 * Worker processes keep no stick tables of their own: the primary process
 * holds them, so that a limit holds for the whole proxy. Rules and fetches
 * run synchronously, though, so an operation whose answer must come from the
 * primary suspends the request instead: it throws StickPending, the
 * connection waits for the answer and runs the request's rules again from
 * the start. Every stick operation of an attempt is numbered; answers are
 * kept in the request's journal by number, so the next attempt gets them
 * back without asking again, and an update already sent is not sent twice.
 * Rules are deterministic, so attempt n+1 repeats attempt n's operations in
 * the same order until it reaches the new answer.
 */

export interface JournalRecord {
  readonly op: string;
  readonly table: string;
  readonly key: string;
  value: unknown;
}

export class StickJournal {
  readonly records: JournalRecord[] = [];
  pos = 0;
}

/** Thrown (and caught by the connection) when a stick operation waits for the primary. */
export class StickPending {
  constructor(
    readonly promise: Promise<void>,
    readonly journal: StickJournal,
  ) {}
}

let shared = false;
let active: StickJournal | undefined;
const waiting = new WeakMap<object, StickJournal>();

/** This process consults the primary's tables (a worker of `--workers N`). */
export function setStickShared(on: boolean): void {
  shared = on;
}
export function stickIsShared(): boolean {
  return shared;
}

/** The journal of the attempt running now; undefined outside request routing (then nothing can wait). */
export function activeJournal(): StickJournal | undefined {
  return active;
}

/**
 * Runs one routing attempt of the request `owner` (its connection or stream).
 * Returns fn's result, or the StickPending to wait for before running it again.
 */
export function runStickAttempt<T>(owner: object, fn: () => T): T | StickPending {
  if (!shared) return fn();
  const j = waiting.get(owner) ?? new StickJournal();
  j.pos = 0;
  active = j;
  try {
    const r = fn();
    waiting.delete(owner);
    return r;
  } catch (e) {
    if (e instanceof StickPending) {
      waiting.set(owner, j);
      return e;
    }
    waiting.delete(owner);
    throw e;
  } finally {
    active = undefined;
  }
}

/** The request went away while it waited: its journal is dropped. */
export function forgetStickAttempt(owner: object): StickJournal | undefined {
  const j = waiting.get(owner);
  waiting.delete(owner);
  return j;
}
