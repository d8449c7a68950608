import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { DocklabError } from '../errors.js';
import type { ContainerSpec, LabContext } from './lab-context.js';

/**
 * State labs keep the learner's commands as data: containers.json in
 * solution/ or broken/<case>/ lists the containers to make, in the shape of
 * ContainerSpec. Setup makes them through the Engine API, as `docker run`
 * would, so that a broken case differs from the reference only in its data.
 */
export async function runContainersFromFile(ctx: LabContext, file = 'containers.json'): Promise<Docker.Container[]> {
  const path = ctx.sourcePath(file);
  let specs: ContainerSpec[];
  try {
    specs = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DocklabError('DOCKLAB_LAB_INVALID', `${path} must be a JSON array of containers: ${(error as Error).message}`);
  }
  const made: Docker.Container[] = [];
  for (const spec of specs) {
    const container = await ctx.runContainer(spec);
    ctx.state.set(`container:${spec.name}`, container.id);
    made.push(container);
  }
  return made;
}

/** Shortens a container's name as the engine lists it ("/web" → "web"). */
export function containerName(info: { Names?: string[]; Name?: string }): string {
  return (info.Names?.[0] ?? info.Name ?? '').replace(/^\//, '');
}
