import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { DocklabError } from '../errors.js';
import { PROJECT_ROOT } from '../version.js';
import type { BrokenCase, Lab, LabDefinition } from './lab-definition.js';

import { LABS_DIR } from './lab-paths.js';

export { APP_TEMPLATES_DIR, LABS_DIR } from './lab-paths.js';
const LAB_FOLDER = /^(\d{2})-([a-z0-9-]+)$/;
/** Run from source (tests) the loader imports lab.ts; built, it imports dist/labs/…/lab.js. */
const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts');

export function labFolders(): Array<{ id: string; slug: string; dir: string }> {
  return readdirSync(LABS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && LAB_FOLDER.test(d.name))
    .map((d) => {
      const [, id, slug] = LAB_FOLDER.exec(d.name)!;
      return { id: id!, slug: slug!, dir: join(LABS_DIR, d.name) };
    })
    .sort((a, b) => Number(a.id) - Number(b.id));
}

export async function loadLabs(): Promise<Lab[]> {
  return Promise.all(labFolders().map((f) => loadFolder(f)));
}

/** Every lab that loads, and one line for each folder that does not: a listing should not die of one bad folder. */
export async function loadLabsTolerantly(): Promise<{ labs: Lab[]; problems: string[] }> {
  const settled = await Promise.allSettled(labFolders().map((f) => loadFolder(f)));
  return {
    labs: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    problems: settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : [])),
  };
}

/** Finds a lab by number ("3", "03") or slug; an unknown one names the nearest ids. */
export async function loadLab(idOrSlug: string): Promise<Lab> {
  const folders = labFolders();
  const wanted = idOrSlug.trim().toLowerCase();
  const folder = folders.find((f) => (/^\d+$/.test(wanted) && Number(f.id) === Number(wanted)) || f.slug === wanted || `${f.id}-${f.slug}` === wanted);
  if (!folder) {
    const nearest = nearestLabs(wanted, folders);
    throw new DocklabError('DOCKLAB_LAB_UNKNOWN', `no lab '${idOrSlug}'; nearest: ${nearest.join(', ')}; \`docklab list\` shows them all`);
  }
  return loadFolder(folder);
}

function nearestLabs(wanted: string, folders: Array<{ id: string; slug: string }>): string[] {
  const number = Number(wanted);
  const scored = folders.map((f) => ({
    label: `${Number(f.id)} (${f.slug})`,
    score: Number.isFinite(number) ? Math.abs(Number(f.id) - number) : editDistance(wanted, f.slug),
  }));
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((s) => s.label);
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export async function loadFolder(folder: { id: string; slug: string; dir: string }): Promise<Lab> {
  const module = FROM_SOURCE ? join(folder.dir, 'lab.ts') : join(PROJECT_ROOT, 'dist', 'labs', `${folder.id}-${folder.slug}`, 'lab.js');
  if (!existsSync(module)) {
    throw new DocklabError('DOCKLAB_LAB_INVALID', `lab folder ${folder.dir} has no lab.ts${FROM_SOURCE ? '' : ' built (run `npm run build`)'}`);
  }
  let definition: LabDefinition | undefined;
  try {
    definition = (await import(pathToFileURL(module).href)).default as LabDefinition | undefined;
  } catch (error) {
    // defineLab's complaint, or a module that does not load: one line naming the file.
    const reason = error instanceof DocklabError ? error.message : `it does not load: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
    throw new DocklabError('DOCKLAB_LAB_INVALID', `${module}: ${reason}`);
  }
  if (!definition?.checks?.length) {
    throw new DocklabError('DOCKLAB_LAB_INVALID', `${module} must export default defineLab({...}) with at least one check`);
  }
  return { id: folder.id, number: Number(folder.id), slug: folder.slug, dir: folder.dir, definition, brokenCases: readBrokenCases(folder.dir, definition) };
}

function readBrokenCases(labDir: string, definition: LabDefinition): BrokenCase[] {
  const brokenDir = join(labDir, 'broken');
  if (!existsSync(brokenDir)) return [];
  return readdirSync(brokenDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const file = join(brokenDir, d.name, 'case.json');
      if (!existsSync(file)) throw new DocklabError('DOCKLAB_LAB_INVALID', `${join(brokenDir, d.name)} needs a case.json naming the check it fails`);
      let data: { fails?: string; hintIncludes?: string; description?: string };
      try {
        data = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new DocklabError('DOCKLAB_LAB_INVALID', `${file} is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data))
        throw new DocklabError('DOCKLAB_LAB_INVALID', `${file} must be a JSON object with "fails"`);
      if (!data.fails || !definition.checks.some((c) => c.id === data.fails)) {
        throw new DocklabError('DOCKLAB_LAB_INVALID', `${file}: "fails" must name one of the lab's checks (${definition.checks.map((c) => c.id).join(', ')})`);
      }
      return { name: d.name, dir: join(brokenDir, d.name), fails: data.fails, hintIncludes: data.hintIncludes, description: data.description ?? d.name };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
