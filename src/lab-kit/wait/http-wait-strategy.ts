import type { CheckContext, HttpAnswer, HttpRequestOptions } from '../check-context.js';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy } from './wait-strategy.js';

export interface HttpExpectation {
  status?: number;
  /** Text or pattern the body must contain. */
  body?: string | RegExp;
}

/** Waits until a URL answers with the status (and body) wanted; returns the answer. */
export class HttpWaitStrategy extends WaitStrategy<HttpAnswer> {
  constructor(
    readonly url: string,
    readonly expectation: HttpExpectation = {},
    readonly request: HttpRequestOptions = {},
  ) {
    super();
  }

  describe(): string {
    const body = this.expectation.body;
    const bodyText = body === undefined ? '' : ` with a body containing ${body instanceof RegExp ? body.source : JSON.stringify(body)}`;
    return `HTTP ${this.expectation.status ?? 200} from ${this.url}${bodyText}`;
  }

  protected attempt(ctx: CheckContext): Attempt<HttpAnswer> {
    const status = this.expectation.status ?? 200;
    const body = this.expectation.body;
    return async () => {
      const answer = await ctx.http(this.url, { ...this.request, timeoutMs: this.request.timeoutMs ?? 5_000 });
      if (answer.status === 0) return { ok: false, seen: `no HTTP answer (${answer.body})` };
      const bodyOk = body === undefined || (body instanceof RegExp ? body.test(answer.body) : answer.body.includes(body));
      if (answer.status === status && bodyOk) return { ok: true, value: answer };
      return { ok: false, seen: `HTTP ${answer.status} with body ${JSON.stringify(answer.body.slice(0, 120))}` };
    };
  }
}
