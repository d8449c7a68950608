import type { CheckContext, HttpRequestOptions } from '../check-context.js';
import { ExecWaitStrategy } from './exec-wait-strategy.js';
import { HealthWaitStrategy, type HealthStatus } from './health-wait-strategy.js';
import { HttpWaitStrategy, type HttpExpectation } from './http-wait-strategy.js';
import { LogLineWaitStrategy } from './log-line-wait-strategy.js';
import { PortWaitStrategy } from './port-wait-strategy.js';
import { ProbeWaitStrategy } from './probe-wait-strategy.js';
import type { Attempt } from './wait-loop.js';
import type { WaitStrategy, WaitTarget } from './wait-strategy.js';

/** The wait strategies, by what they wait for. */
export const Wait = {
  forHttp: (url: string, expectation?: HttpExpectation, request?: HttpRequestOptions) => new HttpWaitStrategy(url, expectation, request),
  forLogLine: (pattern: RegExp) => new LogLineWaitStrategy(pattern),
  forHealthy: () => new HealthWaitStrategy('healthy'),
  forHealth: (status: HealthStatus) => new HealthWaitStrategy(status),
  forListeningPort: (host: string, port: number) => new PortWaitStrategy(host, port),
  forExec: (cmd: string[], options: { exitCode?: number; user?: string; env?: string[] } = {}) => new ExecWaitStrategy(cmd, options.exitCode ?? 0, options),
  until: <T>(expected: string, probe: (ctx: CheckContext, target: WaitTarget) => ReturnType<Attempt<T>>) => new ProbeWaitStrategy<T>(expected, probe),
};

/** Runs a wait against the target (its container's exit ends it early). */
export function waitFor<T>(ctx: CheckContext, strategy: WaitStrategy<T>, target: WaitTarget | string = {}): Promise<T> {
  return strategy.waitUntilReady(ctx, typeof target === 'string' ? { containerId: target } : target);
}
