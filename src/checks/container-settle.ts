import type Docker from 'dockerode';

/**
 * A container inspected at least `ms` after it started: one whose command
 * ends at once (bash without a terminal, say) is caught as stopped instead
 * of being seen running in the instant before it exits.
 */
export async function inspectSettled(docker: Docker, id: string, ms = 1_000): Promise<Docker.ContainerInspectInfo> {
  const info = await docker.getContainer(id).inspect();
  if (!info.State.Running) return info;
  const runningFor = Date.now() - Date.parse(info.State.StartedAt);
  if (runningFor >= ms) return info;
  await new Promise((r) => setTimeout(r, ms - Math.max(0, runningFor)));
  return docker.getContainer(id).inspect();
}
