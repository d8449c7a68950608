import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/version.js';

const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
const docklab = (...args: string[]) =>
  execa(process.execPath, [CLI, ...args], { reject: false, env: { CI: 'true', DOCKLAB_HOME: mkdtempSync(join(tmpdir(), 'docklab-home-')) } });

/** The built CLI's answers to bad input: one line, a stable code, exit 2. */
describe('the command line', () => {
  it('suggests the nearest command for an unknown one', async () => {
    const result = await docklab('verfy', '3');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'verfy'[\s\S]*Did you mean verify\?/);
  });

  it('suggests the nearest flag for an unknown one', async () => {
    const result = await docklab('list', '--jsn');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--json');
  });

  it('names the nearest labs for an unknown lab', async () => {
    const result = await docklab('show', '42');
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no lab '42'; nearest: .*\[DOCKLAB_LAB_UNKNOWN\]/);
  });

  it('prints help without a terminal and the version', async () => {
    expect((await docklab()).stdout).toContain('Usage: docklab');
    expect((await docklab('--version')).stdout.trim()).toBe(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  });

  it('lists labs as JSON', async () => {
    const labs = JSON.parse((await docklab('list', '--json')).stdout) as Array<{ id: number }>;
    expect(labs.map((l) => l.id)).toEqual(expect.arrayContaining([1, 2, 3, 4, 19]));
  });

  it('gives the starter and the shared app on init, and refuses to overwrite without --force', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'docklab-init-')), 'lab3');
    expect((await docklab('init', '3', dir)).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'index.js'), 'utf8')).toContain('Hello World');
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain('Write the Dockerfile');
    const again = await docklab('init', '3', dir);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already has .*Dockerfile.*--force.*\[DOCKLAB_DIR_NOT_EMPTY\]/);
    expect((await docklab('init', '3', dir, '--force')).exitCode).toBe(0);
  });

  it('names the files a learner folder lacks before touching the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-learner-'));
    writeFileSync(join(dir, 'index.js'), '');
    const result = await docklab('verify', '3', '--dir', dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/lacks Dockerfile, which lab 3 needs.*\[DOCKLAB_SOLUTION_INCOMPLETE\]/);
  });

  it('says in one line that no engine answers, and how to start one', async () => {
    const result = await execa(process.execPath, [CLI, 'doctor'], { reject: false, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /no Docker engine answered; tried unix:\/\/\/nonexistent\/docker.sock \(DOCKER_HOST: no socket\).*npm run setup.*\[DOCKLAB_ENGINE_UNREACHABLE\]/,
    );
  });
});
