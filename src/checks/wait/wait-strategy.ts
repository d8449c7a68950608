import type Docker from 'dockerode';
import { DEFAULT_STARTUP_TIMEOUT_MS, waitLoop } from '../../lab-kit/wait/wait-loop.js';

/**
 * The function form of a wait (older labs call it); the lab-kit's wait
 * strategy objects (src/lab-kit/wait/) run on the same loop.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** The container whose early exit should end the wait. */
  container?: { docker: Docker; id: string };
  /** Ends the wait at once (throwing its reason); default: the signal of the check in progress. */
  signal?: AbortSignal;
}

export { DEFAULT_STARTUP_TIMEOUT_MS };

export interface Probe<T> {
  /** What the wait is for, said as an expectation: "HTTP 200 from http://…". */
  expected: string;
  hint: string;
  /** Returns the evidence when it is there, or a description of what was seen instead. */
  attempt(): Promise<{ ok: true; value: T } | { ok: false; seen: string }>;
}

export function waitUntil<T>(probe: Probe<T>, options: WaitOptions = {}): Promise<T> {
  return waitLoop(() => probe.attempt(), {
    expected: probe.expected,
    timeoutMs: options.timeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
    intervalMs: options.intervalMs ?? 250,
    container: options.container,
    signal: options.signal,
    diagnose: () => probe.hint,
  });
}
