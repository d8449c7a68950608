/**
 * One way out for every command. SIGINT, SIGTERM, SIGHUP and a terminal that
 * went away (writes fail with EIO/EPIPE) all abort the process-wide signal,
 * then every registered teardown runs to its end before the process exits
 * with 128 + the signal's number. A second SIGINT (or SIGTERM) during the
 * teardown skips it, saying what was left and how to remove it.
 *
 * Handlers are installed with process.on, never once: while a one-shot
 * handler is being called it is no longer counted as a listener, and a
 * library that re-raises a signal when it thinks it is alone (execa's exit
 * hook does) would then kill the process before the teardown ran.
 */
export interface RegisteredTeardown {
  /** What is left if the teardown is skipped: "run 3f9a… of lab 2". */
  what: string;
  /** The command that removes it: "docklab down 2". */
  remedy: string;
  run(): Promise<void>;
  /** After every registered teardown ended: what needed the others gone first. */
  afterAll?(): Promise<void>;
}

const EXIT_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Why work stopped: carried as the abort reason so that callers can tell it from a failure. */
export class Interrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export function isInterrupted(error: unknown): error is Interrupted {
  return error instanceof Interrupted;
}

export class Interruption {
  private controller = new AbortController();
  private readonly teardowns = new Set<RegisteredTeardown>();
  private installed = false;
  private first: string | undefined;
  /** For tests: exits go through here. */
  exit: (code: number) => void = (code) => process.exit(code);

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Installs the handlers once per process. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.onSignal(signal));
    // A closed terminal: the next write fails. Treat it as the hang-up it is.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EIO' || error.code === 'EPIPE' || error.code === 'ENXIO') this.onSignal('SIGHUP');
      });
    }
  }

  /** Registers what must be removed if the process is interrupted; returns the unregister function. */
  register(teardown: RegisteredTeardown): () => void {
    this.teardowns.add(teardown);
    return () => this.teardowns.delete(teardown);
  }

  onSignal(signal: string): void {
    if (this.first === undefined) {
      this.first = signal;
      this.controller.abort(new Interrupted(signal));
      void this.tearDownAll(signal);
      return;
    }
    // SIGHUP after the first signal is the terminal going away while we clean up: keep cleaning.
    if (signal === 'SIGHUP') return;
    const left = [...this.teardowns];
    if (left.length > 0) {
      say(`docklab: teardown skipped; left ${left.map((t) => t.what).join(', ')}; remove with: ${[...new Set(left.map((t) => t.remedy))].join(' && ')}`);
    }
    this.exit(EXIT_CODES[this.first] ?? 130);
  }

  private async tearDownAll(signal: string): Promise<void> {
    const pending = [...this.teardowns];
    if (pending.length > 0) {
      say(
        `docklab: ${signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`}: removing what ${pending.map((t) => t.what).join(', ')} made (Ctrl-C again to leave it)`,
      );
    }
    await Promise.allSettled(
      pending.map(async (t) => {
        await t.run();
        this.teardowns.delete(t);
      }),
    );
    for (const t of pending) await t.afterAll?.().catch(() => undefined);
    const failed = [...this.teardowns];
    if (failed.length > 0)
      say(`docklab: could not remove all of ${failed.map((t) => t.what).join(', ')}; remove with: ${failed.map((t) => t.remedy).join(' && ')}`);
    this.exit(EXIT_CODES[signal] ?? 130);
  }

  /** For tests only: a fresh state. */
  reset(): void {
    this.controller = new AbortController();
    this.teardowns.clear();
    this.first = undefined;
  }
}

function say(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // The terminal is gone; the teardown goes on without it.
  }
}

export const interruption = new Interruption();

/** A promise that rejects with the signal's reason once it aborts (never settles otherwise). */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Sleeps, ending early (rejecting with the reason) when the signal aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The promise's outcome, unless the signal aborts first: then `onAbort`'s
 * (by default a rejection with the signal's reason). The listener goes with
 * the promise, so that many steps on one signal leave none behind.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onAbort: (reason: unknown) => Promise<T> = (reason) => Promise.reject(reason),
): Promise<T> {
  if (signal.aborted) return onAbort(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const aborted = () => onAbort(signal.reason).then(resolve, reject);
    signal.addEventListener('abort', aborted, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', aborted);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', aborted);
        reject(error);
      },
    );
  });
}
