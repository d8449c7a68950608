import type Docker from 'dockerode';
import type { CheckContext } from '../check-context.js';
import { requireContainer } from './log-line-wait-strategy.js';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy, type WaitTarget } from './wait-strategy.js';

export type HealthStatus = 'healthy' | 'unhealthy' | 'starting';

/** Waits for the engine to report the target container's health status; returns its state. */
export class HealthWaitStrategy extends WaitStrategy<Docker.ContainerInspectInfo['State']> {
  constructor(readonly wanted: HealthStatus = 'healthy') {
    super();
    // A container that exits turns unhealthy on the way: only a wait for health ends on an exit.
    this.watchesExit = wanted !== 'unhealthy';
  }

  describe(): string {
    return `health status ${this.wanted}`;
  }

  protected attempt(ctx: CheckContext, target: WaitTarget): Attempt<Docker.ContainerInspectInfo['State']> {
    const id = requireContainer(target, this);
    return async () => {
      const state = (await ctx.docker.getContainer(id).inspect()).State;
      const health = state.Health;
      if (!health) return { ok: false, seen: 'no health check configured' };
      if (health.Status === this.wanted) return { ok: true, value: state };
      const last = health.Log?.[health.Log.length - 1];
      return { ok: false, seen: `${health.Status}${last ? `, last probe exit ${last.ExitCode}: ${JSON.stringify(last.Output.trim().slice(0, 160))}` : ''}` };
    };
  }
}
