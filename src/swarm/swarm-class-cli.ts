import type { Lab } from '../labs/lab-definition.js';
import { gradeClassOnSwarm, type SwarmClassOutcome } from './swarm-class.js';
import { parseCpuLimit, parseMemoryLimit } from './task-limits.js';

export interface SwarmFlags {
  swarm?: boolean;
  limitCpu?: string;
  limitMemory?: string;
  lb?: 'haproxy' | 'docklab';
}

/** The flags that only make sense with --swarm, checked before anything runs. */
export function checkSwarmFlags(flags: SwarmFlags): { limitCpu?: number; limitMemoryBytes?: number } {
  const limits = { limitCpu: parseCpuLimit(flags.limitCpu), limitMemoryBytes: parseMemoryLimit(flags.limitMemory) };
  return limits;
}

/** `verify N --all DIR --swarm`: the class on the swarm, with progress and the tasks each node ran on stderr. */
export async function verifyClassOnSwarm(lab: Lab, root: string, learners: string[], parallel: number, flags: SwarmFlags): Promise<SwarmClassOutcome[]> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const { outcomes, tasksPerNode } = await gradeClassOnSwarm(lab, { root, learners, parallel, balancer: flags.lb, ...checkSwarmFlags(flags), onLine: say });
  const perNode = Object.entries(tasksPerNode)
    .map(([node, count]) => `${node}: ${count}`)
    .join(', ');
  say(`swarm: ${learners.length} learners in ${((Date.now() - started) / 1000).toFixed(1)} s; judged per node: ${perNode || 'none'}`);
  return outcomes;
}
