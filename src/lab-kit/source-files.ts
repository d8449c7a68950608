import { cpSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../version.js';

/** Apps several labs share (the Node hello app, the Flask app), laid under their folders. */
export const APP_TEMPLATES_DIR = join(PROJECT_ROOT, 'templates', 'apps');

/** A build context made of shared app templates with the folder's own files laid over them, in `target`. */
export function assembleContext(templates: string[], source: string, target: string): string {
  for (const template of templates) cpSync(join(APP_TEMPLATES_DIR, template), target, { recursive: true, verbatimSymlinks: true });
  cpSync(source, target, { recursive: true, force: true, verbatimSymlinks: true });
  return target;
}

/** Like existsSync, but a symlink counts even when it leads nowhere or to itself. */
export function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
