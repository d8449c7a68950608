import type Docker from 'dockerode';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DocklabError } from '../errors.js';
import { tagsOf } from './catalog.js';
import { formatImageRef, parseImageRef } from './image-ref.js';

/**
 * The images a Dockerfile builds FROM, as the builder resolves them: ARGs
 * declared before the first FROM (with their defaults, or the values given
 * at build time) substituted, stage names and `scratch` left out.
 */
export function fromImages(dockerfile: string, buildArgs: Record<string, string | undefined> = {}): string[] {
  const globalArgs = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const line of logicalLines(dockerfile)) {
    const arg = /^ARG\s+(.+)$/i.exec(line);
    if (arg && !seenFrom) {
      for (const part of arg[1]!.trim().split(/\s+/)) {
        const [name, ...rest] = part.split('=');
        if (!name) continue;
        const value = buildArgs[name] ?? (rest.length > 0 ? unquote(rest.join('=')) : undefined);
        if (value !== undefined) globalArgs.set(name, value);
      }
      continue;
    }
    const from = /^FROM\s+(.+)$/i.exec(line);
    if (!from) continue;
    seenFrom = true;
    const words = from[1]!
      .trim()
      .split(/\s+/)
      .filter((w) => !w.startsWith('--'));
    const image = substitute(words[0] ?? '', globalArgs);
    const as = words.length >= 3 && words[1]!.toLowerCase() === 'as' ? words[2]!.toLowerCase() : undefined;
    if (image && image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase()) && !/\$/.test(image)) images.push(image);
    if (as) stages.add(as);
  }
  return [...new Set(images)];
}

/** Lines with continuations joined and comments (and parser directives) left out. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') && current === '') continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current) lines.push(current.trim());
  return lines.filter(Boolean);
}

function substitute(word: string, args: Map<string, string>): string {
  return word.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (whole, braced?: string, fallback?: string, bare?: string) => {
    const name = braced ?? bare!;
    return args.get(name) ?? fallback ?? whole;
  });
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** The Dockerfile of a build folder: the one named, else Dockerfile, else dockerfile (as `docker build DIR` reads it). */
export function dockerfileText(dir: string, dockerfile?: string): string | undefined {
  const names = dockerfile ? [dockerfile] : ['Dockerfile', 'dockerfile'];
  for (const name of names) {
    const path = join(dir, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  return undefined;
}

export interface ProvisionNeededOptions {
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Provisions, before a build or a compose `up`, every image named that docklab's
 * catalog covers (any tag of an image it has stand-ins for) and that is not
 * present: pulled, or its stand-in built, so that the engine never has to ask a
 * registry it cannot reach. A tag the catalog lacks and no registry supplies is
 * refused with the tags that can be had (DOCKLAB_IMAGE_UNAVAILABLE). Images of
 * other repositories (a learner's own, a private registry's) are left to the
 * builder or compose tool.
 */
export async function provisionNeeded(docker: Docker, refs: string[], options: ProvisionNeededOptions = {}): Promise<void> {
  const { ensureImage } = await import('./provisioner.js');
  for (const ref of refs) {
    options.signal?.throwIfAborted();
    if (ref.includes('@')) continue; // by digest: exactly one image, which no stand-in is
    const { repository } = parseImageRef(ref);
    if (tagsOf(repository).length === 0) continue;
    try {
      await ensureImage(docker, formatImageRef(parseImageRef(ref)), { onLine: options.onLine });
    } catch (error) {
      if (error instanceof DocklabError && error.code === 'DOCKLAB_IMAGE_UNAVAILABLE') throw error;
      // Anything else (a registry hiccup) is left to the builder or compose tool, which says it in its own words.
      options.onLine?.(`${ref}: ${(error as Error).message}`);
    }
  }
}

/** What a compose file's services run: `image:` of services that build nothing, the FROM images of those that build. */
export function composeImages(file: { path: string; services: Record<string, { image?: unknown; build?: unknown }> }): string[] {
  const refs: string[] = [];
  for (const service of Object.values(file.services)) {
    if (service.build !== undefined && service.build !== null) {
      const build =
        typeof service.build === 'string' ? { context: service.build } : (service.build as { context?: unknown; dockerfile?: unknown; args?: unknown });
      const context = resolve(dirname(file.path), typeof build.context === 'string' ? build.context : '.');
      const text = dockerfileText(context, typeof build.dockerfile === 'string' ? build.dockerfile : undefined);
      if (text) refs.push(...fromImages(text, buildArgsOf(build.args)));
    } else if (typeof service.image === 'string' && !service.image.includes('$')) {
      refs.push(service.image);
    }
  }
  return [...new Set(refs)];
}

/** Compose's `args:` as a mapping or as a list of NAME=value. */
function buildArgsOf(args: unknown): Record<string, string> {
  if (Array.isArray(args)) {
    return Object.fromEntries(
      args.filter((a): a is string => typeof a === 'string' && a.includes('=')).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
    );
  }
  if (args && typeof args === 'object') return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v ?? '')]));
  return {};
}
