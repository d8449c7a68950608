import type Docker from 'dockerode';
import { namesRepository } from './image-reference.js';

/** What image identity needs of a check's context: the engine and the containers the check may judge. */
export interface ContainerSource {
  readonly docker: Docker;
  containers(filter?: { all?: boolean }): Promise<Docker.ContainerInfo[]>;
}

/**
 * The image ids the engine holds under one of the repositories, by any tag
 * or digest (RepoTags and RepoDigests). An id here is that image whatever
 * other names it carries: `docker tag nginx web` makes no new image.
 */
export async function imageIdsOf(docker: Docker, repositories: readonly string[]): Promise<Set<string>> {
  const images = await docker.listImages({ all: false });
  const ids = new Set<string>();
  for (const image of images) {
    const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter((n) => n !== '<none>:<none>' && n !== '<none>@<none>');
    if (names.some((n) => namesRepository(n, repositories))) ids.add(image.Id);
  }
  return ids;
}

/**
 * Resolves what a container runs: true when the reference it was started
 * with names one of the repositories (`docker.io/library/nginx:1.22`,
 * `nginx@sha256:…`), or when its image is one the engine knows under such a
 * name (the same image under another tag, or a tag moved on since).
 */
export function runsImage(container: Pick<Docker.ContainerInfo, 'Image' | 'ImageID'>, repositories: readonly string[], ids: ReadonlySet<string>): boolean {
  return namesRepository(container.Image, repositories) || ids.has(container.ImageID) || ids.has(container.Image);
}

/**
 * The containers (of those the check may judge) that run an image of one of
 * the repositories; `running: true` keeps only the running ones.
 */
export async function containersOfImage(
  ctx: ContainerSource,
  repositories: readonly string[],
  options: { running?: boolean } = {},
): Promise<Docker.ContainerInfo[]> {
  const list = (await ctx.containers({ all: !options.running })).filter((c) => !options.running || c.State === 'running');
  // The engine's image list is asked for only when a container's own reference does not settle it: listing
  // images costs more than the rest of a check on an engine that holds many.
  const unsettled = list.some((c) => !namesRepository(c.Image, repositories));
  const ids = unsettled ? await imageIdsOf(ctx.docker, repositories) : new Set<string>();
  return list.filter((c) => runsImage(c, repositories, ids));
}

/** Inspect infos of containersOfImage, newest first. */
export async function inspectContainersOfImage(
  ctx: ContainerSource,
  repositories: readonly string[],
  options: { running?: boolean } = {},
): Promise<Docker.ContainerInspectInfo[]> {
  const list = await containersOfImage(ctx, repositories, options);
  const infos = await Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  return infos.sort((a, b) => b.Created.localeCompare(a.Created));
}

/** True when an inspected container runs an image of one of the repositories (by reference, or by image id). */
export async function containerRunsImage(
  docker: Docker,
  info: Pick<Docker.ContainerInspectInfo, 'Image' | 'Config'>,
  repositories: readonly string[],
): Promise<boolean> {
  if (namesRepository(info.Config.Image, repositories)) return true;
  return (await imageIdsOf(docker, repositories)).has(info.Image);
}
