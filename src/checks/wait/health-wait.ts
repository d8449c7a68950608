import type Docker from 'dockerode';
import type { LabContext } from '../../labs/lab-context.js';
import { waitUntil, type WaitOptions } from './wait-strategy.js';

export type HealthStatus = 'healthy' | 'unhealthy' | 'starting';

/** Waits for the engine to report a container's health status; returns the health log. */
export function waitForHealth(ctx: LabContext, containerId: string, wanted: HealthStatus, hint: string, options: WaitOptions = {}): Promise<Docker.ContainerInspectInfo['State']> {
  return waitUntil(
    {
      expected: `health status ${wanted}`,
      hint,
      attempt: async () => {
        const state = (await ctx.docker.getContainer(containerId).inspect()).State;
        const health = state.Health;
        if (!health) return { ok: false, seen: 'no health check configured' };
        if (health.Status === wanted) return { ok: true, value: state };
        const last = health.Log?.[health.Log.length - 1];
        return { ok: false, seen: `${health.Status}${last ? `, last probe exit ${last.ExitCode}: ${JSON.stringify(last.Output.trim().slice(0, 160))}` : ''}` };
      },
    },
    wanted === 'unhealthy' ? options : { ...options, container: { docker: ctx.docker, id: containerId } },
  );
}
