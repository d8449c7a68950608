import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The names `docker compose` looks for in a folder when no `-f` is given, in
 * its order of preference (Compose v2 as of 2.40: with several present it
 * warns "Found multiple config files" and uses the first of this list).
 * Today's Docker documentation writes compose.yaml; older courses write
 * docker-compose.yml. Compose v1 knew only the docker-compose names.
 */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'] as const;

/**
 * The override file `docker compose` merges over the main one, whatever the
 * main one is called. Its order differs from the main file's: .yml first.
 */
export const COMPOSE_OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'] as const;

/** The files `docker compose` would read in a folder, as the learner typing it there gets them. */
export interface FoundComposeFile {
  /** Absolute or as given: `dir` joined with the name. */
  path: string;
  name: string;
  /** Other main-file names present, which Compose does not read. */
  unused: string[];
  /** The override file Compose merges over it, if any. */
  override?: { path: string; name: string; unused: string[] };
}

/** Whether a name is one of those Compose finds by itself. */
export function isComposeFileName(name: string): boolean {
  return (COMPOSE_FILE_NAMES as readonly string[]).includes(name);
}

/**
 * The compose file (and override) of a folder, chosen as Compose v2 chooses:
 * the first name of the list that exists. Like Compose it follows symlinks
 * (one leading nowhere does not count) and takes a folder of that name too,
 * which then fails to read with its own message. Undefined when none exists.
 * Unlike Compose it does not look in parent folders: the learner's folder is
 * the whole of what is judged.
 */
export function findComposeFile(dir: string): FoundComposeFile | undefined {
  const main = firstPresent(dir, COMPOSE_FILE_NAMES);
  if (!main) return undefined;
  const override = firstPresent(dir, COMPOSE_OVERRIDE_NAMES);
  return { ...main, ...(override ? { override } : {}) };
}

/** One line saying which file is used and why, for a check's found text and the run's log. */
export function describeComposeChoice(found: FoundComposeFile): string {
  const parts = [found.name];
  if (found.unused.length > 0)
    parts.push(
      `(${found.unused.join(' and ')} ${found.unused.length > 1 ? 'are' : 'is'} there too and not read: \`docker compose\` prefers ${found.name}, and so does docklab)`,
    );
  if (found.override) {
    parts.push(`with ${found.override.name} merged over it`);
    if (found.override.unused.length > 0) parts.push(`(${found.override.unused.join(' and ')} not read)`);
  }
  return parts.join(' ');
}

function firstPresent(dir: string, names: readonly string[]): { path: string; name: string; unused: string[] } | undefined {
  const present = names.filter((name) => existsSync(join(dir, name)));
  const [name, ...unused] = present;
  return name === undefined ? undefined : { path: join(dir, name), name, unused };
}
