import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { COMPOSE_FILE_NAMES, COMPOSE_OVERRIDE_NAMES, findComposeFile } from '../../src/engine/compose-file-finder.js';

/**
 * docklab picks a learner's compose file as `docker compose` does when typed
 * in the folder: held here against the real Compose v2 (which `npm run
 * setup` installs) for every mix of the four names, and of the override
 * names beside a main file. `config --services` needs no engine.
 */
const serviceOf = (name: string) => `s-${name.replace(/[^a-z]/g, '-')}`;

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length - 1 }, (_, mask) => items.filter((_, i) => ((mask + 1) >> i) & 1));
}

async function composeServices(dir: string): Promise<string[]> {
  const result = await execa('docker', ['compose', 'config', '--services'], { cwd: dir, reject: false, env: { DOCKER_CLI_HINTS: 'false' } });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean).sort();
}

function folderWith(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-compose-choice-'));
  for (const name of names) writeFileSync(join(dir, name), `services:\n  ${serviceOf(name)}:\n    image: busybox\n`);
  return dir;
}

describe('the compose file docklab reads is the one `docker compose` reads', () => {
  it.each(subsets(COMPOSE_FILE_NAMES).map((names) => [names.join(' + '), names] as const))('%s', async (_, names) => {
    const dir = folderWith(names);
    expect(await composeServices(dir)).toEqual([serviceOf(findComposeFile(dir)!.name)]);
  });

  it.each(subsets(COMPOSE_OVERRIDE_NAMES).map((names) => [names.join(' + '), names] as const))('compose.yaml with %s', async (_, names) => {
    const dir = folderWith(['compose.yaml', ...names]);
    const found = findComposeFile(dir)!;
    expect(await composeServices(dir)).toEqual([serviceOf('compose.yaml'), serviceOf(found.override!.name)].sort());
  });
});
