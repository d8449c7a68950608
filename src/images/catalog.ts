import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';
import { PROJECT_ROOT } from '../version.js';
import { parseImageRef } from './image-ref.js';

/**
 * One official image the labs use, and how to stand in for it here. Each
 * lives in templates/images/<folder>/standin.json beside its Dockerfile, so
 * adding an image is adding a folder.
 */
export interface CatalogEntry {
  /** The official repository name: nginx, mysql, … */
  image: string;
  /** The tags the stand-in is honest for, `latest` included. */
  tags: string[];
  /** What the stand-in really is: "nginx (Debian package)". */
  realName: string;
  /** Run in the built image to learn its real version. */
  versionCommand?: string[];
  /** A fixed version, for images with nothing to run (FROM scratch). */
  version?: string;
  /** Other stand-ins (by image name) whose images this one's Dockerfile uses. */
  dependsOn: string[];
  templateDir: string;
}

export const TEMPLATES_DIR = join(PROJECT_ROOT, 'templates', 'images');

let loaded: CatalogEntry[] | undefined;

export function loadCatalog(): CatalogEntry[] {
  loaded ??= readdirSync(TEMPLATES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(TEMPLATES_DIR, d.name, 'standin.json')))
    .map((d) => readEntry(join(TEMPLATES_DIR, d.name)))
    .sort((a, b) => a.image.localeCompare(b.image));
  return loaded;
}

function readEntry(dir: string): CatalogEntry {
  const file = join(dir, 'standin.json');
  let raw: Partial<CatalogEntry>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DocklabError('DOCKLAB_INTERNAL', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!raw.image || !Array.isArray(raw.tags) || raw.tags.length === 0 || !raw.realName) {
    throw new DocklabError('DOCKLAB_INTERNAL', `${file} needs "image", "tags" and "realName"`);
  }
  return {
    image: raw.image,
    tags: raw.tags,
    realName: raw.realName,
    versionCommand: raw.versionCommand,
    version: raw.version,
    dependsOn: raw.dependsOn ?? [],
    templateDir: dir,
  };
}

export function catalogEntryFor(image: string): CatalogEntry | undefined {
  return loadCatalog().find((e) => e.image === image);
}

/** The entry and tag that can stand in for a reference, if any. */
export function standInFor(ref: string): { entry: CatalogEntry; tag: string } | undefined {
  const { repository, tag } = parseImageRef(ref);
  const entry = catalogEntryFor(repository);
  return entry && entry.tags.includes(tag) ? { entry, tag } : undefined;
}
