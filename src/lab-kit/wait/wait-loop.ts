import type Docker from 'dockerode';
import { logTail } from '../../engine/container-io.js';
import { currentSignal } from '../../util/ambient-signal.js';
import { ExpectationFailure } from '../../util/expectation-failure.js';
import { abortableDelay } from '../../util/interruption.js';
import type { Diagnose, WaitFailure } from './wait-failure.js';

export const DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

/**
 * One look at the evidence. `final`: what was seen will not change by
 * waiting (an answer that says so), and the wait ends at once with it.
 */
export type Attempt<T> = () => Promise<{ ok: true; value: T } | { ok: false; seen: string; final?: boolean }>;

export interface WaitLoopOptions {
  expected: string;
  timeoutMs: number;
  /** The longest pause between attempts; polling starts fast and backs off to it. */
  intervalMs: number;
  /** The container whose exit (or removal) should end the wait at once. */
  container?: { docker: Docker; id: string };
  signal?: AbortSignal;
  diagnose: Diagnose;
  /** On a timeout, the watched container's last lines of log as the failure's details (an exit always brings them). */
  logLines?: number;
}

/**
 * Polls one kind of evidence until it shows what is wanted or the startup
 * timeout runs out. While it waits it watches the container the evidence
 * depends on: a container that exits ends the wait at once, with its exit
 * code and last log lines, instead of a long useless timeout. A failure is
 * a CheckFailure whose hint the wait's `diagnose` gives from the facts.
 */
export async function waitLoop<T>(attempt: Attempt<T>, options: WaitLoopOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = 50;
  const signal = options.signal ?? currentSignal();
  for (;;) {
    signal?.throwIfAborted();
    const result = await attempt();
    if (result.ok) return result.value;
    if (result.final) throw await failure(options, { expected: options.expected, found: result.seen, lastSeen: result.seen, details: [], reason: 'final' });
    if (options.container) {
      const fate = await containerFate(options.container.docker, options.container.id);
      if (fate) throw await failure(options, { ...fate, lastSeen: result.seen, expected: options.expected });
    }
    if (Date.now() >= deadline) {
      const details =
        options.logLines && options.container ? await logTail(options.container.docker, options.container.id, options.logLines).catch(() => []) : [];
      throw await failure(options, {
        expected: options.expected,
        found: `${result.seen} (after waiting ${Math.round(options.timeoutMs / 1000)} s)`,
        lastSeen: result.seen,
        details,
        reason: 'timeout',
      });
    }
    await abortableDelay(Math.min(interval, Math.max(0, deadline - Date.now())), signal);
    interval = Math.min(options.intervalMs, Math.round(interval * 1.5));
  }
}

async function failure(options: WaitLoopOptions, facts: WaitFailure): Promise<ExpectationFailure> {
  const diagnosis = await options.diagnose(facts);
  const { hint, found, details } = typeof diagnosis === 'string' ? { hint: diagnosis, found: undefined, details: undefined } : diagnosis;
  return new ExpectationFailure(facts.expected, found ?? facts.found, hint, details ?? facts.details);
}

async function containerFate(docker: Docker, id: string): Promise<Omit<WaitFailure, 'lastSeen' | 'expected'> | undefined> {
  const info = await docker
    .getContainer(id)
    .inspect()
    .catch(() => undefined);
  if (!info) return { found: 'the container is gone', details: [], reason: 'gone' };
  if (info.State.Running || info.State.Restarting) return undefined;
  const tail = await logTail(docker, id, 12).catch(() => []);
  const oom = info.State.OOMKilled ? ', killed for using too much memory' : '';
  return {
    found: `the container exited with code ${info.State.ExitCode}${oom}; its last log lines are below`,
    details: tail,
    reason: 'exited',
    exitCode: info.State.ExitCode,
    oomKilled: Boolean(info.State.OOMKilled),
  };
}
