import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { LABEL } from '../engine/labels.js';
import { logTail } from '../engine/container-io.js';
import { BASE_IMAGE, ensureBaseImage } from './base-image.js';
import { entryKey, loadCatalog, plainDescription, standInFor, tagsOf, type CatalogEntry, type ProvisionTime } from './catalog.js';
import { egressProxyForBuilds } from './egress-proxy.js';
import { buildImage } from './image-build.js';
import { formatImageRef, parseImageRef } from './image-ref.js';
import { pullImage } from './image-pull.js';
import { RECIPE_LABEL, recipeOf } from './standin-recipe.js';

export type ImageSource = 'present' | 'pulled' | 'built';

export interface ProvisionedImage {
  ref: string;
  source: ImageSource;
  /** What the image really is when it is a stand-in: "nginx (Debian package) 1.22.1-9". */
  standin?: string;
  /** Said to people when a stand-in is first built: what it is and how it differs from the official image. */
  description?: string;
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
  if (present && !outdatedStandIn(ref, present)) return { ref, source: 'present', standin: present.Config?.Labels?.[LABEL.standin] };
  if (present) {
    // A stand-in built from an older recipe: built again, never pulled over (a pull would change what the labs were proven on).
    const candidate = standInFor(ref)!;
    options.onLine?.(`${ref}: the stand-in present was built from an older recipe; building it again`);
    const standin = await buildStandIn(docker, candidate.entry, options);
    return { ref, source: 'built', standin, description: plainDescription(candidate.entry, versionPart(candidate.entry, standin), ref) };
  }

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
  const description = plainDescription(candidate.entry, versionPart(candidate.entry, standin), ref);
  options.onLine?.(description);
  return { ref, source: 'built', standin, description };
}

/** A present image that is a docklab stand-in built from another recipe than today's. */
export function outdatedStandIn(ref: string, image: Docker.ImageInspectInfo): boolean {
  const labels = image.Config?.Labels ?? {};
  if (!labels[LABEL.standin]) return false;
  const candidate = standInFor(ref);
  return candidate !== undefined && labels[RECIPE_LABEL] !== recipeOf(candidate.entry);
}

function versionPart(entry: CatalogEntry, standin: string): string | undefined {
  return standin.startsWith(entry.realName) ? standin.slice(entry.realName.length).trim() || undefined : undefined;
}

/** Which tags of an image can be had here, said as advice. */
export function whatCanBeHad(ref: string): string {
  const { repository } = parseImageRef(ref);
  const tags = tagsOf(repository);
  return tags.length > 0
    ? `these tags of ${repository} can be had: ${tags.map((t) => `${repository}:${t}`).join(', ')}; use one of those`
    : `docklab has no stand-in for ${repository}; images it can provide: ${[...new Set(loadCatalog().map((e) => e.image))].join(', ')}`;
}

/** Builds a stand-in, learns its real version, and tags it under every honest tag. */
export async function buildStandIn(docker: Docker, entry: CatalogEntry, options: ProvisionOptions = {}): Promise<string> {
  for (const dependency of entry.dependsOn) await ensureImage(docker, dependency, options);
  const egress = await egressProxyForBuilds();
  // Per process: two docklab processes may build the same stand-in at once, and each removes its own scratch tag.
  const scratchTag = `docklab/standin-build:${entryKey(entry).replace(/[:/]/g, '-')}-${process.pid}`;
  try {
    await ensureBaseImage(docker, { onLine: options.onLine, buildArgs: egress.buildArgs, networkMode: egress.networkMode });
    await buildImage(docker, {
      contextDir: entry.templateDir,
      dockerfile: entry.dockerfile,
      tag: scratchTag,
      buildArgs: { ...egress.buildArgs, BASE: BASE_IMAGE, ...entry.buildArgs },
      networkMode: egress.networkMode,
      logName: `standin-${entryKey(entry)}`,
      onLine: options.onLine,
    });
    const version = entry.version ?? (await runVersionCommand(docker, scratchTag, entry.versionCommand));
    const standin = `${entry.realName}${version ? ` ${version}` : ''}`;
    await labelAndTag(docker, scratchTag, entry, standin);
    return standin;
  } finally {
    await docker
      .getImage(scratchTag)
      .remove({ noprune: false })
      .catch(() => {});
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
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${built}\nLABEL ${LABEL.standin}=${JSON.stringify(standin)} ${RECIPE_LABEL}=${JSON.stringify(recipeOf(entry))}\n`,
    );
    const [first, ...rest] = entry.tags;
    await buildImage(docker, { contextDir: context, tag: `${entry.image}:${first}`, logName: `label-${entryKey(entry)}` });
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
  /** How the stand-in differs from the official image, said plainly. */
  note?: string;
  /** Built by setup, or on first use. */
  provision: ProvisionTime;
  /** A stand-in present from an older recipe: built again on its next use. */
  outdated: boolean;
}

export async function catalogState(docker: Docker): Promise<CatalogImageState[]> {
  const images = await docker.listImages();
  return loadCatalog().map((entry) => {
    const present: string[] = [];
    let standin: string | undefined;
    let sizeBytes: number | undefined;
    let outdated = false;
    for (const tag of entry.tags) {
      const ref = `${entry.image}:${tag}`;
      const found = images.find((i) => i.RepoTags?.includes(ref));
      if (found) {
        present.push(tag);
        standin ??= found.Labels?.[LABEL.standin];
        sizeBytes ??= found.Size;
        if (found.Labels?.[LABEL.standin] && found.Labels[RECIPE_LABEL] !== recipeOf(entry)) outdated = true;
      }
    }
    return { image: entry.image, tags: entry.tags, present, standin, sizeBytes, note: entry.note, provision: entry.provision, outdated };
  });
}
