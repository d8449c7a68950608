import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { buildImage } from '../images/image-build.js';
import { egressProxyForBuilds } from '../images/egress-proxy.js';
import { imageIfPresent } from '../images/provisioner.js';
import { distHash } from '../images/proxy-image.js';
import { DOCKLAB_VERSION, PROJECT_ROOT } from '../version.js';

/**
 * docklab's grader image: the built project with its labs and templates,
 * whose entry point judges one learner of a class (src/swarm/grader-main.ts).
 * Its tag carries a digest of everything copied in, so that a node never
 * runs a grader older than the docklab that scheduled it, and a registry
 * holds each build under its own name.
 */
export const GRADER_IMAGE_REPO = 'docklab/grader';
const TEMPLATE = join(PROJECT_ROOT, 'templates', 'grader-image', 'Dockerfile');
const COPIED = ['dist/src', 'dist/labs', 'labs', 'templates'];

export function graderTag(): string {
  const hash = createHash('sha256');
  for (const dir of COPIED)
    hash
      .update(dir)
      .update('\0')
      .update(distHash(join(PROJECT_ROOT, dir)));
  return `${DOCKLAB_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

export function graderImageRef(): string {
  return `${GRADER_IMAGE_REPO}:${graderTag()}`;
}

/** The grader image on this engine, built first when missing. */
export async function ensureGraderImage(docker: Docker, options: { onLine?: (line: string) => void; signal?: AbortSignal } = {}): Promise<string> {
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'src', 'swarm', 'grader-main.js'))) {
    throw new DocklabError('DOCKLAB_USAGE', "docklab's grader image is built from dist/: run `npm run build` in the docklab folder first");
  }
  const ref = graderImageRef();
  if (await imageIfPresent(docker, ref)) return ref;
  const context = mkdtempSync(join(tmpdir(), 'docklab-grader-image-'));
  const egress = await egressProxyForBuilds();
  try {
    cpSync(TEMPLATE, join(context, 'Dockerfile'));
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(context, file));
    for (const dir of ['bin', ...COPIED]) cpSync(join(PROJECT_ROOT, dir), join(context, dir), { recursive: true });
    await buildImage(docker, {
      contextDir: context,
      tag: ref,
      buildArgs: egress.buildArgs,
      networkMode: egress.networkMode,
      labels: { 'io.docklab.image': 'grader', 'io.docklab.version': DOCKLAB_VERSION },
      logName: 'grader',
      onLine: options.onLine,
      signal: options.signal,
    });
    return ref;
  } finally {
    await egress.close();
    rmSync(context, { recursive: true, force: true });
  }
}
