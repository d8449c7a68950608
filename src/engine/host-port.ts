import type Docker from 'dockerode';
import { createServer } from 'node:net';
import { DocklabError } from '../errors.js';
import { LABEL } from './labels.js';

/** True when nothing listens on the port on any address. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails with a line naming what holds a prescribed port: a container, or another process. */
export async function assertPortFree(docker: Docker, port: number): Promise<void> {
  if (await isPortFree(port)) return;
  throw await portInUseError(docker, port);
}

/** The host port named by the engine's refusal to publish it, if that is what the error is. */
export function portConflict(error: unknown): number | undefined {
  const text = String((error as { json?: { message?: string } })?.json?.message ?? (error as Error)?.message ?? '');
  const match =
    /Bind for [^\s]*?:(\d+) failed: port is already allocated/i.exec(text) ??
    /listen tcp[46]? [^\s]*?:(\d+): bind: address already in use/i.exec(text) ??
    /ports are not available: .*?:(\d+)/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * The error for a taken port, naming its holder. The holder may be a
 * container that is only now starting (two runs racing for the port), so
 * the engine is asked a few times before "another process" is blamed.
 */
export async function portInUseError(docker: Docker, port: number, options: { exclude?: string } = {}): Promise<DocklabError> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const containers = await docker.listContainers({ all: true }).catch(() => []);
    const holder = containers.find((c) => c.Id !== options.exclude && holdsPort(c, port));
    if (holder) {
      const name = holder.Names[0]?.replace(/^\//, '') ?? holder.Id.slice(0, 12);
      const run = holder.Labels?.[LABEL.run];
      const who = run
        ? `container ${name} of docklab run ${run} (lab ${Number(holder.Labels[LABEL.lab])}); let that run finish, or remove it with \`docklab down ${Number(holder.Labels[LABEL.lab])}\``
        : `container ${name} (${holder.Image}); stop it with \`docker stop ${name}\``;
      return new DocklabError('DOCKLAB_PORT_IN_USE', `host port ${port}, which this lab prescribes, is in use by ${who}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return new DocklabError(
    'DOCKLAB_PORT_IN_USE',
    `host port ${port}, which this lab prescribes, is in use by another process on this machine (no container publishes it); find it with \`ss -ltnp 'sport = :${port}'\` and stop it`,
  );
}

function holdsPort(container: Docker.ContainerInfo, port: number): boolean {
  if (container.Ports?.some((p) => p.PublicPort === port)) return true;
  // A container created but not yet started lists no ports; its bindings say what it will take.
  const bindings = (container as { HostConfig?: { PortBindings?: Record<string, Array<{ HostPort?: string }>> } }).HostConfig?.PortBindings;
  return Object.values(bindings ?? {}).some((list) => list?.some((b) => Number(b.HostPort) === port));
}
