import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** The project root: where package.json, labs/ and templates/ live (src/ or dist/src/ below it). */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'docklab') return dir;
    } catch {
      // not here; look one level up
    }
    dir = resolve(dir, '..');
  }
  throw new Error(`docklab: cannot find its package.json above ${start}`);
}

export const DOCKLAB_VERSION: string = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
