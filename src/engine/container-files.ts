import type Docker from 'dockerode';
import { extract } from 'tar-stream';

/**
 * Reading a container's files through the archive API, which works on a
 * stopped container and on images without a shell (FROM scratch).
 */

/** The text of one file in a container, or undefined when it is not there. */
export async function readContainerFile(docker: Docker, containerId: string, path: string, maxBytes = 1_000_000): Promise<string | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.getContainer(containerId).getArchive({ path });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
  return new Promise<string | undefined>((resolve, reject) => {
    const tar = extract();
    let text: string | undefined;
    tar.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (c: unknown) => {
        if (!Buffer.isBuffer(c)) return;
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      body.on('end', () => {
        if (text === undefined && header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
        next();
      });
      body.resume();
    });
    tar.on('finish', () => resolve(text));
    tar.on('error', reject);
    stream.pipe(tar);
  });
}

/** Whether a path exists in a container (file, folder or link). */
export async function containerPathExists(docker: Docker, containerId: string, path: string): Promise<boolean> {
  try {
    await docker.getContainer(containerId).infoArchive({ path });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/**
 * The paths in a container's whole filesystem that match a pattern, read
 * from `docker export`. Meant for small images: the whole filesystem streams
 * through, so callers bound it by the image size first.
 */
export async function findInContainer(docker: Docker, containerId: string, pattern: RegExp, limit = 20): Promise<string[]> {
  const stream = await docker.getContainer(containerId).export();
  return new Promise<string[]>((resolve, reject) => {
    const tar = extract();
    const found: string[] = [];
    tar.on('entry', (header, body, next) => {
      const name = `/${header.name.replace(/^\.?\//, '')}`;
      if (found.length < limit && pattern.test(name)) found.push(name);
      body.on('end', () => next());
      body.resume();
    });
    tar.on('finish', () => resolve(found));
    tar.on('error', reject);
    stream.pipe(tar);
  });
}
