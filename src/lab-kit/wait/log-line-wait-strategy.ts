import type { CheckContext } from '../check-context.js';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy, type WaitTarget } from './wait-strategy.js';

/** Waits until the target container's log has a line matching the pattern; returns that line. */
export class LogLineWaitStrategy extends WaitStrategy<string> {
  constructor(readonly pattern: RegExp) {
    super();
  }

  describe(): string {
    return `a log line matching /${this.pattern.source}/`;
  }

  protected attempt(ctx: CheckContext, target: WaitTarget): Attempt<string> {
    const id = requireContainer(target, this);
    return async () => {
      const lines = await ctx.logTail(id, 200);
      const line = lines.find((l) => this.pattern.test(l));
      return line ? { ok: true, value: line } : { ok: false, seen: lines.length ? `last line: ${JSON.stringify(lines[lines.length - 1])}` : 'no log lines' };
    };
  }
}

export function requireContainer(target: WaitTarget, strategy: { describe(): string }): string {
  if (!target.containerId) throw new Error(`waiting for ${strategy.describe()} needs a container`);
  return target.containerId;
}
