import type { HttpAnswer, LabContext } from '../../labs/lab-context.js';
import { waitUntil, type WaitOptions } from './wait-strategy.js';

export interface HttpExpectation {
  status?: number;
  /** Text or pattern the body must contain. */
  body?: string | RegExp;
  headers?: Record<string, string>;
}

/** Waits until a URL answers with the status (and body) wanted. */
export function waitForHttp(
  ctx: LabContext,
  url: string,
  expectation: HttpExpectation,
  hint: string,
  options: WaitOptions & { containerId?: string; request?: Parameters<LabContext['http']>[1] } = {},
): Promise<HttpAnswer> {
  const status = expectation.status ?? 200;
  const body = expectation.body;
  const bodyText = body === undefined ? '' : ` with a body containing ${body instanceof RegExp ? body.source : JSON.stringify(body)}`;
  return waitUntil(
    {
      expected: `HTTP ${status} from ${url}${bodyText}`,
      hint,
      attempt: async () => {
        const answer = await ctx.http(url, { ...options.request, timeoutMs: 5_000 });
        if (answer.status === 0) return { ok: false, seen: `no HTTP answer (${answer.body})` };
        const bodyOk = body === undefined || (body instanceof RegExp ? body.test(answer.body) : answer.body.includes(body));
        if (answer.status === status && bodyOk) return { ok: true, value: answer };
        return { ok: false, seen: `HTTP ${answer.status} with body ${JSON.stringify(answer.body.slice(0, 120))}` };
      },
    },
    { ...options, container: options.containerId ? { docker: ctx.docker, id: options.containerId } : options.container },
  );
}
