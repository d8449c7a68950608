import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where docklab keeps logs and results: $DOCKLAB_HOME, else $XDG_STATE_HOME/docklab, else ~/.docklab. */
export function stateDir(...parts: string[]): string {
  const base = process.env.DOCKLAB_HOME ?? (process.env.XDG_STATE_HOME ? join(process.env.XDG_STATE_HOME, 'docklab') : join(homedir(), '.docklab'));
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
