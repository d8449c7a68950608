import type { ExecResult } from '../../engine/container-io.js';
import type { CheckContext } from '../check-context.js';
import { requireContainer } from './log-line-wait-strategy.js';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy, type WaitTarget } from './wait-strategy.js';

/** Waits until a command run in the target container exits with the code wanted (0 by default). */
export class ExecWaitStrategy extends WaitStrategy<ExecResult> {
  constructor(
    readonly cmd: string[],
    readonly exitCode = 0,
    readonly options: { user?: string; env?: string[] } = {},
  ) {
    super();
  }

  describe(): string {
    return `\`${this.cmd.join(' ')}\` to exit with ${this.exitCode}`;
  }

  protected attempt(ctx: CheckContext, target: WaitTarget): Attempt<ExecResult> {
    const id = requireContainer(target, this);
    return async () => {
      const result = await ctx.exec(id, this.cmd, this.options).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
      if (result.exitCode === this.exitCode) return { ok: true, value: result };
      return { ok: false, seen: `exit ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').pop()?.slice(0, 160) ?? ''}` };
    };
  }
}
