import type Docker from 'dockerode';
import { newRunId } from '../engine/labels.js';
import { ensureGraderImage } from './grader-image.js';
import { assertSwarmManager, removeConfigs, removeService, SWARM_LABEL, sweepNodes } from './swarm-manager.js';

/**
 * `docklab swarm clean`: what a class left when docklab could not finish
 * (a second Ctrl-C, a node that was down during the clean-up): grading
 * services and their configs, then the sweep on every node that is up.
 * The registry stays: it is prepared once and shared by classes.
 */
export async function cleanSwarm(docker: Docker, address: string): Promise<string[]> {
  await assertSwarmManager(docker, address);
  const services = (await docker.listServices({ filters: JSON.stringify({ label: [`${SWARM_LABEL.kind}`] }) })) as Array<{
    ID: string;
    Spec: { Labels?: Record<string, string> };
  }>;
  for (const service of services) {
    if (['grade', 'sweep'].includes(service.Spec.Labels?.[SWARM_LABEL.kind] ?? '')) await removeService(docker, service.ID);
  }
  const image = await ensureGraderImage(docker);
  const swept = await sweepNodes(docker, `docklab-sweep-${newRunId()}`, { image });
  await removeConfigs(docker, SWARM_LABEL.klass);
  return swept;
}
