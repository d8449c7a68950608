import type Docker from 'dockerode';
import { DocklabError } from '../errors.js';
import { abortableDelay } from '../util/interruption.js';
import { GRADER_LABEL } from './node-sweep.js';
import { SWEEP_LABEL } from './task-container-reaper.js';

/** Labels on what docklab makes on a swarm: services, configs. */
export const SWARM_LABEL = { kind: 'io.docklab.swarm', klass: 'io.docklab.class' } as const;

export interface SwarmTask {
  ID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  Status: { State: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ExitCode?: number } };
}

export interface SwarmNodeInfo {
  id: string;
  name: string;
  state: string;
}

/** The engine must be a manager of an active swarm: only a manager schedules services. */
export async function assertSwarmManager(docker: Docker, address: string): Promise<void> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  const state = info.Swarm?.LocalNodeState ?? 'inactive';
  if (state !== 'active') {
    throw new DocklabError(
      'DOCKLAB_SWARM_UNAVAILABLE',
      `the engine at ${address} is not part of a swarm (swarm: ${state}): run \`docker swarm init\` on it, or point DOCKER_HOST at a swarm manager`,
    );
  }
  if (!info.Swarm?.ControlAvailable) {
    throw new DocklabError(
      'DOCKLAB_SWARM_UNAVAILABLE',
      `the engine at ${address} is a swarm worker; services are created on a manager: point DOCKER_HOST at a manager (\`docker node ls\` there lists them)`,
    );
  }
}

export async function listNodes(docker: Docker): Promise<SwarmNodeInfo[]> {
  const nodes = (await docker.listNodes()) as Array<{ ID: string; Description?: { Hostname?: string }; Status?: { State?: string; Addr?: string } }>;
  return nodes.map((n) => ({
    id: n.ID,
    name: `${n.Description?.Hostname ?? n.ID.slice(0, 12)} (${n.Status?.Addr ?? '?'})`,
    state: n.Status?.State ?? 'unknown',
  }));
}

export async function serviceTasks(docker: Docker, serviceId: string): Promise<SwarmTask[]> {
  return (await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as SwarmTask[];
}

/** A task's logs as text (frames undone), or undefined when its node cannot hand them over. */
export async function taskLogs(docker: Docker, taskId: string): Promise<Buffer | undefined> {
  try {
    const logs = (await (docker.getTask(taskId) as unknown as { logs(o: object): Promise<Buffer | NodeJS.ReadableStream> }).logs({
      stdout: true,
      stderr: false,
      follow: false,
    })) as Buffer | NodeJS.ReadableStream;
    if (Buffer.isBuffer(logs)) return logs;
    const chunks: Buffer[] = [];
    for await (const chunk of logs as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } catch {
    return undefined;
  }
}

export async function removeService(docker: Docker, name: string): Promise<void> {
  await docker
    .getService(name)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

export async function removeConfigs(docker: Docker, filterLabel: string): Promise<void> {
  const configs = (await docker.listConfigs({ filters: JSON.stringify({ label: [filterLabel] }) })) as Array<{ ID: string }>;
  await Promise.all(
    configs.map((c) =>
      docker
        .getConfig(c.ID)
        .remove()
        .catch(() => undefined),
    ),
  );
}

export interface SweepOptions {
  image: string;
  /** Only graders of this class are waited for; without it, every grader. */
  klass?: string;
  timeoutMs?: number;
}

/**
 * The per-node reaper, run as a global job (one task on every node that is
 * up): each task waits for the class's graders on its node to stop, then
 * removes what graders that are gone left there. Returns the nodes swept.
 */
export async function sweepNodes(docker: Docker, name: string, options: SweepOptions): Promise<string[]> {
  await removeService(docker, name);
  const service = (await docker.createService({
    Name: name,
    Labels: { 'io.docklab': 'true', [SWARM_LABEL.kind]: 'sweep', ...(options.klass ? { [SWARM_LABEL.klass]: options.klass } : {}) },
    TaskTemplate: {
      ContainerSpec: {
        Image: options.image,
        Args: ['sweep'],
        // The task finds its own container by its id, to have it removed once it has stopped.
        Env: ['DOCKLAB_TASK={{.Task.ID}}', ...(options.klass ? [`DOCKLAB_CLASS=${options.klass}`] : [])],
        Labels: { [SWEEP_LABEL]: 'sweep' },
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
      },
      RestartPolicy: { Condition: 'on-failure', MaxAttempts: 2, Delay: 1_000_000_000 },
    },
    Mode: { GlobalJob: {} },
  } as never)) as { id?: string; ID?: string };
  const id = service.id ?? service.ID!;
  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  try {
    for (;;) {
      const ready = (await listNodes(docker)).filter((n) => n.state === 'ready');
      const tasks = await serviceTasks(docker, id);
      const done = new Set(tasks.filter((t) => t.Status.State === 'complete').map((t) => t.NodeID));
      // A node that cannot run the sweep (no grader image there, say) is given up on after a few tries, with the reason.
      const refusals = (node: string) => tasks.filter((t) => t.NodeID === node && ['failed', 'rejected'].includes(t.Status.State));
      const stuck = ready.filter((n) => !done.has(n.id) && refusals(n.id).length >= 3);
      const pending = ready.filter((n) => !done.has(n.id) && !stuck.includes(n));
      if (pending.length === 0) {
        if (stuck.length > 0) {
          const why = stuck.map((n) => `${n.name}: ${refusals(n.id).at(-1)?.Status.Err ?? 'it failed'}`).join('; ');
          throw new DocklabError(
            'DOCKLAB_SWARM_UNAVAILABLE',
            `the clean-up job could not run on ${why}; run \`docklab swarm clean\` once the node can run the grader image`,
          );
        }
        return [...done].map((nodeId) => ready.find((n) => n.id === nodeId)?.name ?? String(nodeId));
      }
      if (Date.now() > deadline) {
        throw new DocklabError(
          'DOCKLAB_SWARM_UNAVAILABLE',
          `the clean-up job did not finish on ${pending.map((n) => n.name).join(', ')} within ${Math.round((options.timeoutMs ?? 150_000) / 1000)} s; run \`docklab swarm clean\` once they answer`,
        );
      }
      await abortableDelay(1_000);
    }
  } finally {
    await removeService(docker, id).catch(() => undefined);
  }
}

export { GRADER_LABEL };
