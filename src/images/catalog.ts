import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { PROJECT_ROOT } from '../version.js';
import { parseImageRef } from './image-ref.js';

/** When a stand-in is built: by `docklab setup` (the labs need it), or the first time something names it. */
export type ProvisionTime = 'setup' | 'first-use';

/**
 * One official image (one flavour of it: `node:18` and `node:18-slim` are two
 * entries) and how to stand in for it here. Entries live in
 * templates/images/<folder>/standin.json beside their Dockerfile (one object,
 * or an array of flavours sharing the folder), so adding an image is adding a
 * folder or an array element.
 */
export interface CatalogEntry {
  /** The official repository name: nginx, mysql, … */
  image: string;
  /** The tags the stand-in is honest for; the first names the entry. */
  tags: string[];
  /** What the stand-in really is: "nginx (Debian package)". */
  realName: string;
  /** Said plainly wherever the stand-in is shown or first used: how it differs from the official image. */
  note?: string;
  /** Run in the built image to learn its real version. */
  versionCommand?: string[];
  /** A fixed version, for images with nothing to run (FROM scratch). */
  version?: string;
  /** Images (full references) this one's Dockerfile is built FROM or copies from: provisioned first. */
  dependsOn: string[];
  /** The build context: the entry's folder, or another folder of templates/images. */
  templateDir: string;
  /** The Dockerfile inside templateDir. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  provision: ProvisionTime;
  /** The official image's facts this stand-in is held against (templates/images/<folder>/<manifest>). */
  manifestPath?: string;
}

export const TEMPLATES_DIR = join(PROJECT_ROOT, 'templates', 'images');

let loaded: CatalogEntry[] | undefined;

export function loadCatalog(): CatalogEntry[] {
  loaded ??= readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(TEMPLATES_DIR, d.name, 'standin.json')))
    .flatMap((d) => readEntries(join(TEMPLATES_DIR, d.name)))
    .sort((a, b) => a.image.localeCompare(b.image) || entryKey(a).localeCompare(entryKey(b)));
  assertTagsUnique(loaded);
  return loaded;
}

/** The name of an entry: its image and first tag ("node:18-slim"). */
export function entryKey(entry: CatalogEntry): string {
  return `${entry.image}:${entry.tags[0]}`;
}

type RawEntry = Partial<Omit<CatalogEntry, 'templateDir' | 'manifestPath'>> & { context?: string; manifest?: string };

function readEntries(dir: string): CatalogEntry[] {
  const file = join(dir, 'standin.json');
  let raw: RawEntry | RawEntry[];
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DocklabError('DOCKLAB_INTERNAL', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  return (Array.isArray(raw) ? raw : [raw]).map((r) => toEntry(r, dir, file));
}

export function toEntry(raw: RawEntry, dir: string, file: string): CatalogEntry {
  if (!raw.image || !Array.isArray(raw.tags) || raw.tags.length === 0 || !raw.realName) {
    throw new DocklabError('DOCKLAB_INTERNAL', `${file} needs "image", "tags" and "realName" in every entry`);
  }
  if (raw.provision !== undefined && raw.provision !== 'setup' && raw.provision !== 'first-use') {
    throw new DocklabError('DOCKLAB_INTERNAL', `${file}: "provision" is "setup" or "first-use", not ${JSON.stringify(raw.provision)}`);
  }
  const manifest = raw.manifest ?? (existsSync(join(dir, 'manifest.json')) ? 'manifest.json' : undefined);
  return {
    image: raw.image,
    tags: raw.tags,
    realName: raw.realName,
    note: raw.note,
    versionCommand: raw.versionCommand,
    version: raw.version,
    // A bare name ("node") meant its latest tag in the first format.
    dependsOn: (raw.dependsOn ?? []).map((d) => (d.includes(':') ? d : `${d}:latest`)),
    templateDir: raw.context ? join(TEMPLATES_DIR, raw.context) : dir,
    dockerfile: raw.dockerfile ?? 'Dockerfile',
    buildArgs: raw.buildArgs ?? {},
    provision: raw.provision ?? 'setup',
    manifestPath: manifest ? join(dir, manifest) : undefined,
  };
}

/** Two entries claiming one tag would make "which stand-in is node:18" a matter of file order. */
export function assertTagsUnique(entries: CatalogEntry[]): void {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    for (const tag of entry.tags) {
      const ref = `${entry.image}:${tag}`;
      const other = seen.get(ref);
      if (other) throw new DocklabError('DOCKLAB_INTERNAL', `the stand-in catalog names ${ref} twice (${other} and ${entryKey(entry)})`);
      seen.set(ref, entryKey(entry));
    }
  }
}

/** Every flavour the catalog has of one image. */
export function catalogEntriesFor(image: string): CatalogEntry[] {
  return loadCatalog().filter((e) => e.image === image);
}

/** The first entry of an image (kept for callers that only ask whether docklab knows the image). */
export function catalogEntryFor(image: string): CatalogEntry | undefined {
  return catalogEntriesFor(image)[0];
}

/** The entry and tag that can stand in for a reference, if any. */
export function standInFor(ref: string): { entry: CatalogEntry; tag: string } | undefined {
  const { repository, tag } = parseImageRef(ref);
  const entry = catalogEntriesFor(repository).find((e) => e.tags.includes(tag));
  return entry ? { entry, tag } : undefined;
}

/** Every tag of an image docklab can stand in for, in catalog order. */
export function tagsOf(image: string): string[] {
  return catalogEntriesFor(image).flatMap((e) => e.tags);
}

/** What the stand-in is, in one sentence for people: its real name and, when it differs in a way that matters, how. */
export function plainDescription(entry: CatalogEntry, version?: string, ref: string = entryKey(entry)): string {
  const what = `${ref} here is a docklab stand-in: ${entry.realName}${version ? ` ${version}` : ''}`;
  return entry.note ? `${what}. ${entry.note}` : what;
}
