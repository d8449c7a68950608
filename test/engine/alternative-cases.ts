import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../src/labs/lab-definition.js';

/**
 * Other correct solutions a learner might write from the task text:
 * alternatives/<case>/ in a lab folder, shaped like a broken case, with a
 * case.json that says what makes it different. Each must pass every check.
 */
export interface AlternativeCase {
  name: string;
  dir: string;
  description: string;
}

export function alternativeCases(lab: Lab): AlternativeCase[] {
  const root = join(lab.dir, 'alternatives');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const file = join(root, d.name, 'case.json');
      const data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { description?: string }) : {};
      return { name: d.name, dir: join(root, d.name), description: data.description ?? d.name };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
