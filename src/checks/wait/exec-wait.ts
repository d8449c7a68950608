import type { ExecResult } from '../../engine/container-io.js';
import type { LabContext } from '../../labs/lab-context.js';
import { waitUntil, type WaitOptions } from './wait-strategy.js';

/** Waits until a command run in the container exits with the code wanted (0 by default). */
export function waitForExec(ctx: LabContext, containerId: string, cmd: string[], hint: string, options: WaitOptions & { exitCode?: number } = {}): Promise<ExecResult> {
  const exitCode = options.exitCode ?? 0;
  return waitUntil(
    {
      expected: `\`${cmd.join(' ')}\` to exit with ${exitCode}`,
      hint,
      attempt: async () => {
        const result = await ctx.exec(containerId, cmd).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
        if (result.exitCode === exitCode) return { ok: true, value: result };
        return { ok: false, seen: `exit ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').pop()?.slice(0, 160) ?? ''}` };
      },
    },
    { ...options, container: { docker: ctx.docker, id: containerId } },
  );
}
