import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { standInFor, type CatalogEntry } from './catalog.js';

/** The label a stand-in carries with the fingerprint of the recipe it was built from. */
export const RECIPE_LABEL = 'io.docklab.standin-recipe';

/**
 * A fingerprint of everything a stand-in is built from: the files of its
 * build context, the Dockerfile chosen, its build arguments and the recipes
 * of the stand-ins it is built on. A present stand-in whose label differs was
 * built by an older docklab (say, a node:18 without the tools the official
 * image has) and is built again instead of being used as it is.
 */
export function recipeOf(entry: CatalogEntry, seen: Set<string> = new Set()): string {
  const hash = createHash('sha256');
  hash.update(`dockerfile ${entry.dockerfile}\n`);
  hash.update(`args ${JSON.stringify(Object.entries(entry.buildArgs).sort())}\n`);
  for (const file of filesUnder(entry.templateDir)) {
    hash.update(`file ${relative(entry.templateDir, file)}\n`);
    hash.update(readFileSync(file));
  }
  for (const dependency of entry.dependsOn) {
    const found = standInFor(dependency);
    if (found && !seen.has(dependency)) hash.update(`on ${dependency} ${recipeOf(found.entry, new Set([...seen, dependency]))}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    // The manifest describes the official image; changing it changes no build.
    if (name === 'standin.json' || /^manifest.*\.json$/.test(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...filesUnder(path));
    else files.push(path);
  }
  return files;
}
