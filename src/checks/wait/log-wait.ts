import type { LabContext } from '../../labs/lab-context.js';
import { waitUntil, type WaitOptions } from './wait-strategy.js';

/** Waits until a container's log has a line matching the pattern. */
export function waitForLogLine(ctx: LabContext, containerId: string, pattern: RegExp, hint: string, options: WaitOptions = {}): Promise<string> {
  return waitUntil(
    {
      expected: `a log line matching /${pattern.source}/`,
      hint,
      attempt: async () => {
        const lines = await ctx.logTail(containerId, 200);
        const line = lines.find((l) => pattern.test(l));
        return line ? { ok: true, value: line } : { ok: false, seen: lines.length ? `last line: ${JSON.stringify(lines[lines.length - 1])}` : 'no log lines' };
      },
    },
    { ...options, container: { docker: ctx.docker, id: containerId } },
  );
}
