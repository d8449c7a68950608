import type Docker from 'dockerode';
import { CheckFailure } from '../check.js';
import { logTail } from '../../engine/container-io.js';
import { currentSignal } from '../../util/ambient-signal.js';
import { abortableDelay } from '../../util/interruption.js';

/**
 * A wait strategy polls one kind of evidence until it shows what is wanted
 * or its startup timeout runs out. While it waits it watches the container
 * the evidence depends on: a container that exits ends the wait at once,
 * with its exit code and last log lines, instead of a long useless timeout.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** The container whose early exit should end the wait. */
  container?: { docker: Docker; id: string };
  /** Ends the wait at once (throwing its reason); default: the signal of the check in progress. */
  signal?: AbortSignal;
}

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

export interface Probe<T> {
  /** What the wait is for, said as an expectation: "HTTP 200 from http://…". */
  expected: string;
  hint: string;
  /** Returns the evidence when it is there, or a description of what was seen instead. */
  attempt(): Promise<{ ok: true; value: T } | { ok: false; seen: string }>;
}

export async function waitUntil<T>(probe: Probe<T>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  // Start polling fast (most things are ready within a few hundred ms), then back off.
  let interval = 50;
  const maxInterval = options.intervalMs ?? 250;
  const signal = options.signal ?? currentSignal();
  for (;;) {
    signal?.throwIfAborted();
    const result = await probe.attempt();
    if (result.ok) return result.value;
    seen = result.seen;
    if (options.container) await failIfExited(options.container.docker, options.container.id, probe);
    if (Date.now() >= deadline) {
      throw new CheckFailure(probe.expected, `${seen} (after waiting ${Math.round(timeoutMs / 1000)} s)`, probe.hint);
    }
    await abortableDelay(Math.min(interval, Math.max(0, deadline - Date.now())), signal);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}

async function failIfExited(docker: Docker, id: string, probe: Probe<unknown>): Promise<void> {
  const info = await docker.getContainer(id).inspect().catch(() => undefined);
  if (!info) throw new CheckFailure(probe.expected, 'the container is gone', probe.hint);
  if (info.State.Running || info.State.Restarting) return;
  const tail = await logTail(docker, id, 12).catch(() => []);
  const oom = info.State.OOMKilled ? ', killed for using too much memory' : '';
  throw new CheckFailure(
    probe.expected,
    `the container exited with code ${info.State.ExitCode}${oom}; its last log lines are below`,
    probe.hint,
    tail,
  );
}
