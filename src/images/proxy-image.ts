import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DocklabError } from '../errors.js';
import { DOCKLAB_VERSION, PROJECT_ROOT } from '../version.js';
import { buildImage } from './image-build.js';
import { egressProxyForBuilds } from './egress-proxy.js';
import { imageIfPresent } from './provisioner.js';

/**
 * docklab's own L7 load balancer (src/proxy) as a container image, a drop-in
 * for the haproxy image: it reads /usr/local/etc/haproxy/haproxy.cfg and
 * stops on SIGTERM. It is built from this project's compiled dist/, so it is
 * docklab's, not a stand-in: labelled io.docklab.image=l7-proxy, never with
 * the run labels (teardown leaves it; the next run reuses it). A new package
 * version or any change in dist/src makes a new build.
 */
export const PROXY_IMAGE_REPO = 'docklab/l7-proxy';
export const PROXY_IMAGE_LABEL = { kind: 'io.docklab.image', distHash: 'io.docklab.dist-hash' } as const;
export const PROXY_CONFIG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';

const TEMPLATE_DIR = join(PROJECT_ROOT, 'templates', 'proxy-image');
const DIST_SRC = join(PROJECT_ROOT, 'dist', 'src');

export function proxyImageRef(version: string = DOCKLAB_VERSION): string {
  return `${PROXY_IMAGE_REPO}:${version}`;
}

/** A digest of every file under dist/src (names and contents), in a stable order. */
export function distHash(root: string = DIST_SRC): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 16);
}

let pending: Promise<string> | undefined;

/**
 * The proxy image's reference, built first when it is missing or was built
 * from another dist/. One build at a time per process.
 */
export function ensureProxyImage(docker: Docker, options: { onLine?: (line: string) => void } = {}): Promise<string> {
  pending ??= buildIfStale(docker, options).finally(() => {
    pending = undefined;
  });
  return pending;
}

async function buildIfStale(docker: Docker, options: { onLine?: (line: string) => void }): Promise<string> {
  if (!existsSync(join(DIST_SRC, 'cli', 'run-main.js')) || !existsSync(join(DIST_SRC, 'proxy', 'index.js'))) {
    throw new DocklabError('DOCKLAB_USAGE', "docklab's proxy image is built from dist/: run `npm run build` in the docklab folder first");
  }
  const ref = proxyImageRef();
  const hash = distHash();
  const present = await imageIfPresent(docker, ref);
  if (present?.Config?.Labels?.[PROXY_IMAGE_LABEL.distHash] === hash) return ref;

  const context = mkdtempSync(join(tmpdir(), 'docklab-proxy-image-'));
  const egress = await egressProxyForBuilds();
  try {
    cpSync(join(TEMPLATE_DIR, 'Dockerfile'), join(context, 'Dockerfile'));
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(context, file));
    cpSync(join(PROJECT_ROOT, 'bin'), join(context, 'bin'), { recursive: true });
    cpSync(DIST_SRC, join(context, 'dist', 'src'), { recursive: true });
    await buildImage(docker, {
      contextDir: context,
      tag: ref,
      buildArgs: egress.buildArgs,
      networkMode: egress.networkMode,
      labels: { [PROXY_IMAGE_LABEL.kind]: 'l7-proxy', [PROXY_IMAGE_LABEL.distHash]: hash, 'io.docklab.version': DOCKLAB_VERSION },
      logName: 'l7-proxy',
      onLine: options.onLine,
    });
    // The image this build replaced is now untagged: remove it unless a container still uses it.
    if (present && (await imageIfPresent(docker, ref))?.Id !== present.Id) {
      await docker
        .getImage(present.Id)
        .remove()
        .catch(() => undefined);
    }
    return ref;
  } finally {
    await egress.close();
    rmSync(context, { recursive: true, force: true });
  }
}
