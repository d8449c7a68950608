import type { CheckContext } from '../../lab-kit/check-context.js';
import { LogLineWaitStrategy } from '../../lab-kit/wait/log-line-wait-strategy.js';
import type { WaitOptions } from './wait-strategy.js';

/** Waits until a container's log has a line matching the pattern: the function form of Wait.forLogLine, with one fixed hint. */
export function waitForLogLine(ctx: CheckContext, containerId: string, pattern: RegExp, hint: string, options: WaitOptions = {}): Promise<string> {
  const strategy = new LogLineWaitStrategy(pattern).withHint(hint);
  if (options.timeoutMs !== undefined) strategy.withStartupTimeout(options.timeoutMs);
  if (options.intervalMs !== undefined) strategy.withInterval(options.intervalMs);
  return strategy.waitUntilReady(options.signal ? (Object.create(ctx, { signal: { value: options.signal } }) as CheckContext) : ctx, { containerId });
}
