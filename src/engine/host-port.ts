import type Docker from 'dockerode';
import { createServer } from 'node:net';
import { DocklabError } from '../errors.js';

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
  const containers = await docker.listContainers();
  const holder = containers.find((c) => c.Ports.some((p) => p.PublicPort === port));
  const who = holder
    ? `container ${holder.Names[0]?.replace(/^\//, '')} (${holder.Image}); stop it with \`docker stop ${holder.Names[0]?.replace(/^\//, '')}\``
    : `another process on this machine; find it with \`ss -ltnp 'sport = :${port}'\` and stop it`;
  throw new DocklabError('DOCKLAB_PORT_IN_USE', `host port ${port}, which this lab prescribes, is in use by ${who}`);
}
