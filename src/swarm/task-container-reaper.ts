import type Docker from 'dockerode';
import { abortableDelay } from '../util/interruption.js';

/**
 * Swarm keeps the tasks of a removed job in its store and never tells the
 * node to remove their containers: a finished sweep task's container would
 * stay on its node for good. A task cannot remove its own container, so the
 * sweep leaves behind one short-lived container of the same image (removed
 * by the engine when it exits) that waits for the sweep's container to stop
 * and then removes it.
 */
export const SWEEP_LABEL = 'io.docklab.sweep';
/** Labels Swarm puts on a task's container. */
const TASK_ID_LABEL = 'com.docker.swarm.task.id';
/** Time for the node's agent to report the stopped task as complete before its container goes. */
const REPORT_GRACE_MS = 5_000;

/** The container of a task on this node, when it is here. */
export async function taskContainer(docker: Docker, taskId: string): Promise<Docker.ContainerInfo | undefined> {
  const found = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${TASK_ID_LABEL}=${taskId}`] }) });
  return found[0];
}

/** Containers of earlier sweeps that stopped and were never removed (their finisher was killed with its node, say). */
export async function removeStoppedSweeps(docker: Docker): Promise<number> {
  const stopped = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [SWEEP_LABEL], status: ['exited', 'dead', 'created'] }) });
  await Promise.all(
    stopped.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  return stopped.length;
}

/**
 * Starts the finisher for this sweep task's own container: the grader image
 * with `finish <container id>`, the node's socket mounted, removed by the
 * engine once it exits.
 */
export async function startFinisher(docker: Docker, ownTaskId: string): Promise<void> {
  const own = await taskContainer(docker, ownTaskId);
  if (!own) return;
  const finisher = await docker.createContainer({
    Image: own.ImageID,
    Cmd: ['finish', own.Id],
    Labels: { [SWEEP_LABEL]: 'finisher' },
    HostConfig: { AutoRemove: true, Binds: ['/var/run/docker.sock:/var/run/docker.sock'], NetworkMode: 'none' },
  });
  await finisher.start();
}

/** The finisher's work: once the container has stopped (and its task was reported), it is removed. */
export async function removeWhenStopped(docker: Docker, containerId: string, timeoutMs = 300_000): Promise<void> {
  const container = docker.getContainer(containerId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await container.inspect().then(
      (c) => c.State,
      () => undefined,
    );
    if (!state) return; // removed already
    if (!state.Running && !state.Restarting) break;
    if (Date.now() > deadline) return;
    await abortableDelay(500);
  }
  await abortableDelay(REPORT_GRACE_MS);
  await container.remove({ force: true }).catch(() => undefined);
}
