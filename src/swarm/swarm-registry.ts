import type Docker from 'dockerode';
import { DocklabError } from '../errors.js';
import { pushImage } from '../images/image-push.js';
import { ensureImage } from '../images/provisioner.js';
import { abortableDelay } from '../util/interruption.js';
import { listNodes, removeService, SWARM_LABEL } from './swarm-manager.js';

/**
 * The swarm's own registry, for clusters no registry reaches: a service of
 * the registry image (docklab's stand-in where Docker Hub does not answer),
 * published on the routing mesh, so that every node finds it on its own
 * loopback, 127.0.0.1:PORT, which engines trust without TLS. docklab pushes
 * the grader and the labs' images there, and graders pull from it.
 */
export const REGISTRY_SERVICE = 'docklab-registry';
export const DEFAULT_REGISTRY_PORT = 5050;
const REGISTRY_IMAGE = 'registry:2';

/** The port the swarm's registry is published on, when `docklab swarm prepare` made one. */
export async function swarmRegistryPort(docker: Docker): Promise<number | undefined> {
  try {
    const service = (await docker.getService(REGISTRY_SERVICE).inspect()) as {
      Spec?: { Labels?: Record<string, string> };
      Endpoint?: { Ports?: Array<{ PublishedPort?: number }> };
    };
    if (service.Spec?.Labels?.[SWARM_LABEL.kind] !== 'registry') return undefined;
    return service.Endpoint?.Ports?.[0]?.PublishedPort;
  } catch {
    return undefined;
  }
}

export interface PrepareOptions {
  port: number;
  /** 'ingress': the routing mesh (every node); 'host': only the node that runs the registry. */
  publishMode: 'ingress' | 'host';
  images: string[];
  graderImage: string;
  onLine?: (line: string) => void;
}

/** Starts (or keeps) the registry service, waits for it to answer, then pushes the grader and the images. */
export async function prepareSwarmRegistry(docker: Docker, options: PrepareOptions): Promise<{ port: number; pushed: string[] }> {
  const existing = await swarmRegistryPort(docker);
  if (existing !== undefined && existing !== options.port) await removeService(docker, REGISTRY_SERVICE);
  if (existing !== options.port) {
    await ensureImage(docker, REGISTRY_IMAGE, { onLine: options.onLine });
    await docker.createService({
      Name: REGISTRY_SERVICE,
      Labels: { 'io.docklab': 'true', [SWARM_LABEL.kind]: 'registry' },
      TaskTemplate: {
        ContainerSpec: { Image: REGISTRY_IMAGE },
        // Its storage lives where it runs: keep it on a manager so that a worker leaving does not empty it.
        Placement: { Constraints: ['node.role==manager'] },
        RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 5000, PublishedPort: options.port, PublishMode: options.publishMode }] },
    } as never);
  }
  await waitForRegistry(docker, options.port);
  const pushed: string[] = [];
  for (const image of [options.graderImage, ...options.images]) {
    await ensureImage(docker, image, { onLine: options.onLine }).catch(() => undefined);
    pushed.push(await pushToRegistry(docker, options.port, image, options.onLine));
  }
  return { port: options.port, pushed };
}

/** Pushes the grader and the lab's images (quick when the registry has them); returns the grader's reference in the registry. */
export async function publishToSwarmRegistry(
  docker: Docker,
  port: number,
  graderImage: string,
  images: string[],
  onLine?: (line: string) => void,
): Promise<string> {
  const mirrored = await pushToRegistry(docker, port, graderImage, onLine);
  for (const image of images) {
    await ensureImage(docker, image, { onLine });
    await pushToRegistry(docker, port, image, onLine);
  }
  return mirrored;
}

async function pushToRegistry(docker: Docker, port: number, image: string, onLine?: (line: string) => void): Promise<string> {
  const [repo, tag] = splitRef(image);
  const target = `127.0.0.1:${port}/${repo}`;
  await docker.getImage(image).tag({ repo: target, tag });
  onLine?.(`pushing ${image} to ${target}:${tag}`);
  try {
    await pushImage(docker, target, tag);
  } catch (error) {
    throw new DocklabError('DOCKLAB_SWARM_UNAVAILABLE', `the swarm's registry at 127.0.0.1:${port} refused ${image}: ${(error as Error).message}`);
  } finally {
    // The local name was only the way to push; the registry keeps the image.
    await docker
      .getImage(`${target}:${tag}`)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
  return `${target}:${tag}`;
}

/** The registry answers on the manager's loopback, as every node will pull from its own. */
async function waitForRegistry(docker: Docker, _port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [REGISTRY_SERVICE], 'desired-state': ['running'] }) })) as Array<{
      Status: { State: string; Err?: string };
    }>;
    if (tasks.some((t) => t.Status.State === 'running')) return;
    if (Date.now() > deadline) {
      const why =
        tasks
          .map((t) => t.Status.Err)
          .filter(Boolean)
          .at(-1) ?? 'no task is running';
      const nodes = (await listNodes(docker)).map((n) => n.name).join(', ');
      throw new DocklabError('DOCKLAB_SWARM_UNAVAILABLE', `the swarm's registry did not start within 60 s (${why}); nodes: ${nodes}`);
    }
    await abortableDelay(1_000);
  }
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}
