import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { engineOrSkip } from './engine-gate.js';
import { PROJECT_ROOT } from '../../src/version.js';
import { buildImage } from '../../src/images/image-build.js';
import { removeBuildCache } from '../../src/engine/teardown.js';

/**
 * The context docklab sends is the one `docker build` sends: the same folder
 * built both ways, through docklab and through the Docker CLI's classic
 * builder, must give the same files, types and modes in the image.
 */
const engine = await engineOrSkip();
const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
const tag = `docklab-test-context-${randomBytes(3).toString('hex')}`;
const home = mkdtempSync(join(tmpdir(), 'docklab-context-home-'));
const docklab = (...args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env: { ...process.env, CI: 'true', DOCKLAB_HOME: home } });

/** A learner's folder for lab 3 (the shared Node app with the reference Dockerfile). */
function lab3Folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-lab3-learner-'));
  cpSync(join(PROJECT_ROOT, 'templates', 'apps', 'node-hello'), dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'labs', '03-my-node-app', 'solution', 'Dockerfile'), join(dir, 'Dockerfile'));
  return dir;
}

afterAll(async () => {
  await execa('docker', ['rmi', '-f', `${tag}:docklab`, `${tag}:cli`], { reject: false });
});

describe.skipIf(!engine)('build contexts, against `docker build`', () => {
  it('sends the same files, symlinks and modes as `docker build` (.dockerignore with exceptions, odd names)', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-context-diff-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox:latest\nCOPY . /ctx\n');
    writeFileSync(join(dir, '.dockerignore'), '*.log\n!keep.log\nsecret\n**/*.tmp\n');
    for (const f of ['a.log', 'keep.log', 'app.js', 'secret', 'x.tmp']) writeFileSync(join(dir, f), f);
    mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'deep', 'y.tmp'), 'y');
    writeFileSync(join(dir, 'sub', 'deep', 'z.txt'), 'z');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o750);
    symlinkSync('app.js', join(dir, 'link-to-app'));
    symlinkSync('loop', join(dir, 'loop'));
    writeFileSync(Buffer.from(join(dir, 'caf\xe9-latin1.txt'), 'latin1'), 'odd');
    await buildImage(engine!.docker, { contextDir: dir, tag: `${tag}:docklab`, logName: 'context-diff' });
    const cli = await execa('docker', ['build', '-q', '-t', `${tag}:cli`, dir], { reject: false, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    expect(cli.exitCode, cli.stderr).toBe(0);
    const listing = async (image: string) =>
      (
        await execa('docker', ['run', '--rm', image, 'sh', '-c', 'cd /ctx && find . | sort | while read -r f; do stat -c "%n %A" "$f"; done'], {
          encoding: 'buffer',
        })
      ).stdout;
    const ours = Buffer.from(await listing(`${tag}:docklab`));
    const theirs = Buffer.from(await listing(`${tag}:cli`));
    expect(ours.toString('latin1')).toBe(theirs.toString('latin1'));
    expect(ours.toString('latin1')).toContain('./keep.log');
    expect(ours.toString('latin1')).not.toContain('./a.log');
  });

  it('regression: a learner folder with a non-UTF-8 file name builds and passes, as `docker build` does', { timeout: 300_000 }, async () => {
    const dir = lab3Folder();
    writeFileSync(Buffer.from(join(dir, '\xff\xfe-notes.txt'), 'latin1'), 'odd');
    const result = await docklab('verify', '3', '--dir', dir, '--json');
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it('regression: a Dockerfile named `dockerfile` is accepted as `docker build .` accepts it', { timeout: 300_000 }, async () => {
    const dir = lab3Folder();
    renameSync(join(dir, 'Dockerfile'), join(dir, 'dockerfile'));
    const result = await docklab('verify', '3', '--dir', dir, '--json');
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it('regression: an index.js symlink to itself is judged by the build, not reported as "lacks index.js"', { timeout: 300_000 }, async () => {
    const dir = lab3Folder();
    rmSync(join(dir, 'index.js'));
    symlinkSync('index.js', join(dir, 'index.js'));
    const result = await docklab('verify', '3', '--dir', dir, '--json');
    expect(result.stderr).not.toMatch(/lacks/);
    expect(result.exitCode).toBe(1);
    // `docker build` of the same folder fails at the COPY of index.js too: the verdict names that step.
    const doc = JSON.parse(result.stdout) as { tests: Array<{ id: string; status: string; message?: string }> };
    const build = doc.tests.find((t) => t.id === 'image-builds');
    expect(build?.status).toBe('fail');
    expect(build?.message).toMatch(/COPY index\.js/);
  });

  it('warns about a build context over 100 MB, naming its biggest files', { timeout: 300_000 }, async () => {
    const dir = lab3Folder();
    writeFileSync(join(dir, 'dump.bin'), '');
    truncateSync(join(dir, 'dump.bin'), 101 * 1024 * 1024);
    const result = await docklab('verify', '3', '--dir', dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/warning: the build context of .* is 10\d MB; the biggest files: dump\.bin \(10\d MB\)/);
  });

  it('regression: `down --images` removes the build cache a finished run kept (untagged layers listed as they were built)', { timeout: 300_000 }, async () => {
    const dir = lab3Folder();
    // Content of its own: the steps from COPY index.js on are built, not taken from the cache.
    writeFileSync(join(dir, 'index.js'), `${readFileSync(join(dir, 'index.js'), 'utf8')}\n// ${randomBytes(8).toString('hex')}\n`);
    // The ledger lists the layers the legacy builder commits; BuildKit commits no image per step (its cache is its own).
    const result = await execa(process.execPath, [CLI, 'verify', '3', '--dir', dir, '--json'], {
      reject: false,
      env: { ...process.env, CI: 'true', DOCKLAB_HOME: home, DOCKER_BUILDKIT: '0' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const ledger = readFileSync(join(home, 'build-cache'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(' 03'));
    const layers = ledger.map((l) => l.split(' ')[1]!);
    expect(layers.length).toBeGreaterThan(0);
    const present = async () =>
      (
        await Promise.all(
          layers.map((id) =>
            engine!.docker
              .getImage(id)
              .inspect()
              .then(
                () => 1,
                () => 0,
              ),
          ),
        )
      ).reduce((a: number, b: number) => a + b, 0);
    expect(await present()).toBeGreaterThan(0);
    // What `docklab down 3 --images` does for the cache, scoped to this state folder's ledger (the engine is shared).
    const saved = process.env.DOCKLAB_HOME;
    process.env.DOCKLAB_HOME = home;
    try {
      await removeBuildCache(engine!.docker, ['03']);
    } finally {
      process.env.DOCKLAB_HOME = saved;
    }
    expect(await present()).toBe(0);
  });

  it('leaves no run folder behind', () => {
    expect(readdirSync(join(home, 'runs'))).toEqual([]);
  });
});
