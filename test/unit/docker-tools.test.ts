import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoBinary, cachedBinaryPath, removeStaleBuildLeftovers } from '../../src/engine/go-binary-build.js';
import { installPlugin, pluginDir } from '../../src/engine/docker-cli-plugins.js';
import { COMPOSE_V2 } from '../../src/engine/docker-tools.js';
import { composeChoice } from '../../src/engine/compose.js';

const saved = { cache: process.env.DOCKLAB_CACHE_DIR, go: process.env.DOCKLAB_GO, config: process.env.DOCKER_CONFIG };
const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-tools-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const [key, value] of [
    ['DOCKLAB_CACHE_DIR', saved.cache],
    ['DOCKLAB_GO', saved.go],
    ['DOCKER_CONFIG', saved.config],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('tools built from Go modules', () => {
  it('a warm set-up takes the cached binary without asking Go', async () => {
    process.env.DOCKLAB_CACHE_DIR = scratch();
    // No Go at all: only the cache can answer.
    process.env.DOCKLAB_GO = '/nonexistent/go';
    const cached = cachedBinaryPath(COMPOSE_V2);
    expect(cached).toBe(join(process.env.DOCKLAB_CACHE_DIR, 'tools', 'docker-compose-v2.40.3'));
    writeFileSync(cached, '#!/bin/sh\necho cached\n');
    chmodSync(cached, 0o755);
    const started = Date.now();
    expect(await buildGoBinary(COMPOSE_V2)).toMatchObject({ path: cached, built: false });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('sweeps the work folders and partial binaries of builds whose process is gone, and keeps those of live ones', () => {
    process.env.DOCKLAB_CACHE_DIR = scratch();
    const tools = join(process.env.DOCKLAB_CACHE_DIR, 'tools');
    mkdirSync(join(tools, '.work-docker-compose-999999999-1'), { recursive: true });
    writeFileSync(join(tools, 'docker-compose-v2.40.3.partial-999999999'), 'half');
    mkdirSync(join(tools, `.work-docker-buildx-${process.pid}-1`), { recursive: true });
    removeStaleBuildLeftovers();
    expect(() => statSync(join(tools, '.work-docker-compose-999999999-1'))).toThrow();
    expect(() => statSync(join(tools, 'docker-compose-v2.40.3.partial-999999999'))).toThrow();
    expect(statSync(join(tools, `.work-docker-buildx-${process.pid}-1`)).isDirectory()).toBe(true);
  });

  it('installs a plugin as docker-NAME, executable, in the user folder when not root', () => {
    process.env.DOCKER_CONFIG = scratch();
    expect(pluginDir(false)).toBe(join(process.env.DOCKER_CONFIG, 'cli-plugins'));
    expect(pluginDir(true)).toBe('/usr/local/lib/docker/cli-plugins');
    const binary = join(scratch(), 'built');
    writeFileSync(binary, '#!/bin/sh\n');
    const target = installPlugin('compose', binary, pluginDir(false));
    expect(target).toBe(join(process.env.DOCKER_CONFIG, 'cli-plugins', 'docker-compose'));
    expect(statSync(target).mode & 0o777).toBe(0o755);
    expect(readFileSync(target, 'utf8')).toBe('#!/bin/sh\n');
  });

  it('reads DOCKLAB_COMPOSE as v1, v2 or auto', () => {
    expect(composeChoice(undefined)).toBeUndefined();
    expect(composeChoice('auto')).toBeUndefined();
    expect(composeChoice('v1')).toBe('v1');
    expect(composeChoice('2')).toBe('v2');
    expect(() => composeChoice('v3')).toThrow(/DOCKLAB_COMPOSE=v3/);
  });
});
