import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import type Docker from 'dockerode';
import { engineOrSkip } from './engine-gate.js';
import { LABEL } from '../../src/engine/labels.js';
import { reapOrphans, isOrphan, type ReapOptions } from '../../src/engine/reaper.js';

const engine = await engineOrSkip();
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'docklab');

type Kind = 'container' | 'image';

/** Labelled resources a given process owns, by kind. */
async function ownedBy(docker: Docker, pid: number): Promise<{ runs: Set<string>; containers: number; images: number }> {
  const filters = JSON.stringify({ label: [`${LABEL.managed}=true`] });
  const mine = (labels?: Record<string, string> | null) => labels?.[LABEL.owner]?.split('/')[1] === String(pid);
  const containers = (await docker.listContainers({ all: true, filters })).filter((c) => mine(c.Labels));
  const images = (await docker.listImages({ filters })).filter((i) => mine(i.Labels));
  const runs = new Set([...containers, ...images].map((r) => r.Labels![LABEL.run]!));
  return { runs, containers: containers.length, images: images.length };
}

async function leftovers(docker: Docker, runs: Set<string>): Promise<number> {
  let count = 0;
  for (const run of runs) {
    const filters = JSON.stringify({ label: [`${LABEL.run}=${run}`] });
    count += (await docker.listContainers({ all: true, filters })).length;
    count += (await docker.listImages({ filters })).length;
    count += (await docker.listNetworks({ filters })).length;
    count += ((await docker.listVolumes({ filters })).Volumes ?? []).length;
  }
  return count;
}

/** Starts `docklab run LAB`, SIGKILLs it once it owns a resource of the kind named, then reaps. */
async function killAndReap(lab: string, killWhen: Kind, reapOptions: ReapOptions = {}): Promise<void> {
  const docker = engine!.docker;
  const child = spawn(process.execPath, [CLI, 'run', lab, '--json'], { stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 120_000;
  let owned = await ownedBy(docker, child.pid!);
  while ((killWhen === 'container' ? owned.containers : owned.images) === 0) {
    if (Date.now() > deadline) throw new Error(`docklab run ${lab} never made a ${killWhen}`);
    await new Promise((r) => setTimeout(r, 100));
    owned = await ownedBy(docker, child.pid!);
  }
  child.kill('SIGKILL');
  await exited;
  // The killed run left its resources behind: the test would prove nothing otherwise.
  expect(await leftovers(docker, owned.runs)).toBeGreaterThan(0);
  await reapOrphans(docker, reapOptions);
  expect(await leftovers(docker, owned.runs)).toBe(0);
}

describe.skipIf(!engine)('reaping runs whose owner was killed', () => {
  it('reaps a run killed once its container exists (lab 2)', { timeout: 180_000 }, () => killAndReap('2', 'container'));
  it('reaps a run killed once it built an image, before any container (lab 3)', { timeout: 300_000 }, () => killAndReap('3', 'image'));
  it('reaps a run killed once its image and container exist (lab 3)', { timeout: 300_000 }, () => killAndReap('3', 'container'));
  it('the sweep before a run, which lists no images, still removes the image of a killed run: its run folder names it', { timeout: 300_000 }, () =>
    killAndReap('3', 'image', { beforeRun: true }),
  );

  it('never treats a live process or another host as an orphan', () => {
    expect(isOrphan(undefined)).toBe(false);
    expect(isOrphan(`elsewhere/1/0`, 'here')).toBe(false);
    expect(isOrphan(`here/${process.pid}/`, 'here')).toBe(false);
    expect(isOrphan(`here/999999999/`, 'here')).toBe(true);
  });
});
