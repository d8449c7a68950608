import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The AbortSignal of the operation in progress (a check, a lab's setup),
 * reachable from every wait and engine call made on its behalf, however
 * deep, without threading it through each lab's code: a check that timed
 * out or a run that was interrupted stops at its next wait or engine call.
 */
const storage = new AsyncLocalStorage<AbortSignal>();

export function withSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return storage.run(signal, work);
}

export function currentSignal(): AbortSignal | undefined {
  return storage.getStore();
}

/** Throws the abort reason when the current operation was stopped. */
export function throwIfStopped(signal: AbortSignal | undefined = currentSignal()): void {
  signal?.throwIfAborted();
}
