import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_FILE_NAMES, describeComposeChoice, findComposeFile, isComposeFileName } from '../../src/engine/compose-file-finder.js';
import { mergeOverride } from '../../src/engine/compose-override.js';
import type { ComposeFile } from '../../src/engine/compose-file-types.js';

function folderWith(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-compose-names-'));
  for (const name of names) writeFileSync(join(dir, name), 'services:\n  web:\n    image: nginx\n');
  return dir;
}

describe('findComposeFile', () => {
  it.each(COMPOSE_FILE_NAMES)('finds %s alone', (name) => {
    const dir = folderWith(name);
    expect(findComposeFile(dir)).toEqual({ path: join(dir, name), name, unused: [] });
  });

  it('prefers compose.yaml over docker-compose.yml, as `docker compose` does, and names the one it leaves', () => {
    const found = findComposeFile(folderWith('docker-compose.yml', 'compose.yaml'))!;
    expect(found.name).toBe('compose.yaml');
    expect(found.unused).toEqual(['docker-compose.yml']);
    expect(describeComposeChoice(found)).toBe(
      'compose.yaml (docker-compose.yml is there too and not read: `docker compose` prefers compose.yaml, and so does docklab)',
    );
  });

  it('keeps Compose v2 order over all four names: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml', () => {
    expect(findComposeFile(folderWith(...COMPOSE_FILE_NAMES))).toMatchObject({
      name: 'compose.yaml',
      unused: ['compose.yml', 'docker-compose.yml', 'docker-compose.yaml'],
    });
    expect(findComposeFile(folderWith('docker-compose.yaml', 'compose.yml'))!.name).toBe('compose.yml');
    expect(findComposeFile(folderWith('docker-compose.yaml', 'docker-compose.yml'))!.name).toBe('docker-compose.yml');
  });

  it('finds nothing in a folder without a compose file, nor under another case or name', () => {
    expect(findComposeFile(folderWith('Compose.yaml', 'docker-compose.yml.txt', 'stack.yml'))).toBeUndefined();
  });

  it('passes over a symlink that leads nowhere and takes a folder of that name, as Compose does', () => {
    const dir = folderWith('compose.yml');
    symlinkSync('nowhere', join(dir, 'compose.yaml'));
    expect(findComposeFile(dir)!.name).toBe('compose.yml');
    const withFolder = folderWith('docker-compose.yml');
    mkdirSync(join(withFolder, 'compose.yaml'));
    expect(findComposeFile(withFolder)!.name).toBe('compose.yaml');
  });

  it('finds the override file Compose merges, .yml before .yaml, whatever the main file is called', () => {
    const found = findComposeFile(folderWith('compose.yaml', 'docker-compose.override.yml', 'compose.override.yaml'))!;
    expect(found.override).toMatchObject({ name: 'compose.override.yaml', unused: ['docker-compose.override.yml'] });
    expect(findComposeFile(folderWith('docker-compose.yml', 'compose.override.yaml', 'compose.override.yml'))!.override!.name).toBe('compose.override.yml');
    expect(describeComposeChoice(findComposeFile(folderWith('docker-compose.yml', 'docker-compose.override.yml'))!)).toBe(
      'docker-compose.yml with docker-compose.override.yml merged over it',
    );
  });

  it('tells compose file names from others', () => {
    expect(COMPOSE_FILE_NAMES.every(isComposeFileName)).toBe(true);
    expect(isComposeFileName('Dockerfile')).toBe(false);
    expect(isComposeFileName('compose.override.yml')).toBe(false);
  });
});

describe('mergeOverride', () => {
  it('adds services, joins lists without repeats, merges mappings and replaces the rest', () => {
    const file: ComposeFile = {
      path: '/x/compose.yaml',
      services: { web: { image: 'nginx', ports: ['80'], environment: { A: '1' } }, db: { image: 'mysql' } },
      networks: [],
      volumes: ['data'],
    };
    mergeOverride(file, {
      services: { web: { image: 'nginx:1.25', ports: ['80', '8080:80'], environment: { B: '2' } }, cache: { image: 'redis' } },
      volumes: { data: {}, more: {}, outside: { external: true } },
      networks: { back: null },
    });
    expect(file.services.web).toEqual({ image: 'nginx:1.25', ports: ['80', '8080:80'], environment: { A: '1', B: '2' } });
    expect(file.services.db).toEqual({ image: 'mysql' });
    expect(file.services.cache).toEqual({ image: 'redis' });
    expect(file.volumes).toEqual(['data', 'more']);
    expect(file.networks).toEqual(['back']);
  });
});
