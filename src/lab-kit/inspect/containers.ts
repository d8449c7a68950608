import type Docker from 'dockerode';
import type { CheckContext } from '../check-context.js';

/** Networks every engine has; none of them is user-defined. */
export const BUILT_IN_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none']);

/** Shortens a container's name as the engine lists it ("/web" → "web"). */
export function containerName(info: { Names?: string[]; Name?: string }): string {
  return (info.Names?.[0] ?? info.Name ?? '').replace(/^\//, '');
}

/**
 * The container the task names, inspected: by its prescribed name in a
 * state verify, by the run's own name for it (docklab-NN-run-NAME) when
 * docklab made it. Undefined when there is none.
 */
export async function findContainer(ctx: Pick<CheckContext, 'containers' | 'docker'>, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  const [found] = await ctx.containers({ name });
  return found ? ctx.docker.getContainer(found.Id).inspect() : undefined;
}

/** Inspects every container of a listing, newest first. */
export async function inspectAll(ctx: Pick<CheckContext, 'docker'>, list: Docker.ContainerInfo[]): Promise<Docker.ContainerInspectInfo[]> {
  const infos = await Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  return infos.sort((a, b) => b.Created.localeCompare(a.Created));
}

/** A container's environment as a map (what the engine passed: -e, --env-file, the image's ENV). */
export function envOf(info: Pick<Docker.ContainerInspectInfo, 'Config'>): Map<string, string> {
  return new Map((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
}

/** Every network a container is attached to, by name. */
export function networksOf(info: Pick<Docker.ContainerInspectInfo, 'NetworkSettings'>): string[] {
  return Object.keys(info.NetworkSettings.Networks ?? {});
}

/** The user-defined networks a container is attached to (not bridge, host or none). */
export function userNetworks(info: Pick<Docker.ContainerInspectInfo, 'NetworkSettings'>): string[] {
  return networksOf(info).filter((n) => !BUILT_IN_NETWORKS.has(n));
}

/** The networks, said for a report: "app-net, bridge" or "none". */
export function describeNetworks(info: Pick<Docker.ContainerInspectInfo, 'NetworkSettings'>): string {
  return networksOf(info).join(', ') || 'none';
}

/** The names a container answers to on its networks: its own name and every alias. */
export function namesOnNetworks(info: Pick<Docker.ContainerInspectInfo, 'Name' | 'NetworkSettings'>): string[] {
  const aliases = Object.values(info.NetworkSettings.Networks ?? {}).flatMap((n) => n.Aliases ?? []);
  return [info.Name.replace(/^\//, ''), ...aliases];
}
