import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { LABEL } from '../engine/labels.js';
import { logTail } from '../engine/container-io.js';
import { BASE_IMAGE, ensureBaseImage } from './base-image.js';
import { catalogEntryFor, loadCatalog, standInFor, type CatalogEntry } from './catalog.js';
import { egressProxyForBuilds } from './egress-proxy.js';
import { buildImage } from './image-build.js';
import { formatImageRef, parseImageRef } from './image-ref.js';
import { pullImage } from './image-pull.js';

export type ImageSource = 'present' | 'pulled' | 'built';

export interface ProvisionedImage {
  ref: string;
  source: ImageSource;
  /** What the image really is when it is a stand-in: "nginx (Debian package) 1.22.1-9". */
  standin?: string;
}

export interface ProvisionOptions {
  onLine?: (line: string) => void;
  /** Skip the registry: set by DOCKLAB_OFFLINE=1, or once a pull has failed for want of a network. */
  offline?: boolean;
}

/** Whether a registry answered in this process: asked once, then remembered. */
let registryAnswers: boolean | undefined = process.env.DOCKLAB_OFFLINE === '1' ? false : undefined;
const inFlight = new Map<string, Promise<ProvisionedImage>>();

export async function imageIfPresent(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch {
    return undefined;
  }
}

/**
 * Present → use it without asking any registry; else pull it; else build the
 * local stand-in and tag it under the official name. One build per image per
 * process even when several labs ask at once.
 */
export function ensureImage(docker: Docker, ref: string, options: ProvisionOptions = {}): Promise<ProvisionedImage> {
  const key = formatImageRef(parseImageRef(ref));
  let pending = inFlight.get(key);
  if (!pending) {
    pending = provision(docker, key, options).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function provision(docker: Docker, ref: string, options: ProvisionOptions): Promise<ProvisionedImage> {
  const present = await imageIfPresent(docker, ref);
  if (present) return { ref, source: 'present', standin: present.Config?.Labels?.[LABEL.standin] };

  let pullFailure = 'no registry was asked (offline)';
  if (registryAnswers !== false && !options.offline) {
    const pulled = await pullImage(docker, ref, options.onLine);
    if (pulled.ok) {
      registryAnswers = true;
      return { ref, source: 'pulled' };
    }
    pullFailure = pulled.reason ?? 'the pull failed';
    if (!/manifest unknown|not found|denied/i.test(pullFailure)) registryAnswers = false;
  }

  const candidate = standInFor(ref);
  if (!candidate) {
    throw new DocklabError('DOCKLAB_IMAGE_UNAVAILABLE', `image ${ref} cannot be had here (pull: ${pullFailure}); ${whatCanBeHad(ref)}`);
  }
  const standin = await buildStandIn(docker, candidate.entry, options);
  return { ref, source: 'built', standin };
}

/** Which tags of an image can be had here, said as advice. */
export function whatCanBeHad(ref: string): string {
  const entry = catalogEntryFor(parseImageRef(ref).repository);
  return entry
    ? `docklab's stand-in offers ${entry.tags.map((t) => `${entry.image}:${t}`).join(', ')}: use one of those`
    : `docklab has no stand-in for ${parseImageRef(ref).repository}; images it can provide: ${loadCatalog().map((e) => e.image).join(', ')}`;
}

/** Builds a stand-in, learns its real version, and tags it under every honest tag. */
export async function buildStandIn(docker: Docker, entry: CatalogEntry, options: ProvisionOptions = {}): Promise<string> {
  for (const dependency of entry.dependsOn) await ensureImage(docker, `${dependency}:latest`, options);
  const egress = await egressProxyForBuilds();
  const scratchTag = `docklab/standin-build:${entry.image}`;
  try {
    await ensureBaseImage(docker, { onLine: options.onLine, buildArgs: egress.buildArgs, networkMode: egress.networkMode });
    await buildImage(docker, {
      contextDir: entry.templateDir,
      tag: scratchTag,
      buildArgs: { ...egress.buildArgs, BASE: BASE_IMAGE },
      networkMode: egress.networkMode,
      logName: `standin-${entry.image}`,
      onLine: options.onLine,
    });
    const version = entry.version ?? (await runVersionCommand(docker, scratchTag, entry.versionCommand));
    const standin = `${entry.realName}${version ? ` ${version}` : ''}`;
    await labelAndTag(docker, scratchTag, entry, standin);
    return standin;
  } finally {
    await docker.getImage(scratchTag).remove({ noprune: false }).catch(() => {});
    await egress.close();
  }
}

async function runVersionCommand(docker: Docker, image: string, command?: string[]): Promise<string | undefined> {
  if (!command?.length) return undefined;
  const container = await docker.createContainer({ Image: image, Entrypoint: [], Cmd: command, Tty: true });
  try {
    await container.start();
    await container.wait();
    const lines = await logTail(docker, container.id, 5);
    return lines[0]?.trim() || undefined;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Labels cannot be added to an image after the fact: a one-line build adds them. */
async function labelAndTag(docker: Docker, built: string, entry: CatalogEntry, standin: string): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'docklab-label-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), `FROM ${built}\nLABEL ${LABEL.standin}=${JSON.stringify(standin)}\n`);
    const [first, ...rest] = entry.tags;
    await buildImage(docker, { contextDir: context, tag: `${entry.image}:${first}`, logName: `label-${entry.image}` });
    for (const tag of rest) await docker.getImage(`${entry.image}:${first}`).tag({ repo: entry.image, tag });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The state of every catalog image, for `docklab images` and `docklab doctor`. */
export interface CatalogImageState {
  image: string;
  tags: string[];
  present: string[];
  standin?: string;
  sizeBytes?: number;
}

export async function catalogState(docker: Docker): Promise<CatalogImageState[]> {
  const images = await docker.listImages();
  return loadCatalog().map((entry) => {
    const present: string[] = [];
    let standin: string | undefined;
    let sizeBytes: number | undefined;
    for (const tag of entry.tags) {
      const ref = `${entry.image}:${tag}`;
      const found = images.find((i) => i.RepoTags?.includes(ref));
      if (found) {
        present.push(tag);
        standin ??= found.Labels?.[LABEL.standin];
        sizeBytes ??= found.Size;
      }
    }
    return { image: entry.image, tags: entry.tags, present, standin, sizeBytes };
  });
}
