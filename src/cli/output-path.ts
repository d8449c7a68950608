import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DocklabError } from '../errors.js';

/**
 * A file docklab will write when it is done (--junit, --summary): checked
 * before anything runs, so that a long run never ends on a path that
 * cannot be written.
 */
export function assertWritable(flag: string, path: string): void {
  const target = resolve(path);
  const folder = dirname(target);
  if (!existsSync(folder)) {
    throw new DocklabError('DOCKLAB_FILE_MISSING', `${flag} ${path}: folder ${folder} does not exist; create it first or choose another path`);
  }
  if (!statSync(folder).isDirectory()) throw new DocklabError('DOCKLAB_FILE_MISSING', `${flag} ${path}: ${folder} is not a folder`);
  if (existsSync(target) && statSync(target).isDirectory()) throw new DocklabError('DOCKLAB_USAGE', `${flag} ${path} is a folder; name a file`);
  try {
    accessSync(existsSync(target) ? target : folder, constants.W_OK);
  } catch {
    throw new DocklabError('DOCKLAB_USAGE', `${flag} ${path} cannot be written (permission denied)`);
  }
}
