import type { CheckContext, HttpAnswer, HttpRequestOptions } from '../../lab-kit/check-context.js';
import { HttpWaitStrategy, type HttpExpectation } from '../../lab-kit/wait/http-wait-strategy.js';
import type { WaitOptions } from './wait-strategy.js';

export type { HttpExpectation };

/** Waits until a URL answers with the status (and body) wanted: the function form of Wait.forHttp, with one fixed hint. */
export function waitForHttp(
  ctx: CheckContext,
  url: string,
  expectation: HttpExpectation,
  hint: string,
  options: WaitOptions & { containerId?: string; request?: HttpRequestOptions } = {},
): Promise<HttpAnswer> {
  const strategy = new HttpWaitStrategy(url, expectation, options.request).withHint(hint);
  if (options.timeoutMs !== undefined) strategy.withStartupTimeout(options.timeoutMs);
  if (options.intervalMs !== undefined) strategy.withInterval(options.intervalMs);
  return strategy.waitUntilReady(options.signal ? (Object.create(ctx, { signal: { value: options.signal } }) as CheckContext) : ctx, {
    containerId: options.containerId ?? options.container?.id,
  });
}
