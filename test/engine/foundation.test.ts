import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { engineOrSkip } from './engine-gate.js';
import type { Engine } from '../../src/engine/engine.js';
import { LABEL, labelsFor, newRunId, resourceName } from '../../src/engine/labels.js';
import { buildImage } from '../../src/images/image-build.js';
import { ensureImage } from '../../src/images/provisioner.js';
import { execIn, logTail } from '../../src/engine/container-io.js';
import { tearDown } from '../../src/engine/teardown.js';
import { readStatsSample } from '../../src/engine/container-stats.js';

const engine: Engine | undefined = await engineOrSkip();
const run = newRunId();
const labels = labelsFor({ lab: 'test', run });
const name = (what: string) => resourceName('test', run, what);

async function waitForExit(docker: Docker, id: string) {
  return docker.getContainer(id).wait();
}

describe.skipIf(!engine)('foundation on a real engine', () => {
  const docker = engine!?.docker;
  let context: string;
  let imageRef: string;

  beforeAll(async () => {
    await ensureImage(docker, 'busybox:latest');
    context = mkdtempSync(join(tmpdir(), 'docklab-test-'));
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM busybox:latest\nRUN echo built > /built.txt\nCMD ["sh", "-c", "echo out-line; echo err-line >&2; sleep 300"]\n',
    );
    imageRef = `docklab-test-${run}/small:latest`;
  });

  afterAll(async () => {
    rmSync(context, { recursive: true, force: true });
    await tearDown(docker, { runs: [run], images: true });
  });

  it('builds a small image from a context, labelled', async () => {
    const built = await buildImage(docker, { contextDir: context, tag: imageRef, labels, logName: 'test-small' });
    expect(built.steps.map((s) => s.instruction)).toEqual(expect.arrayContaining([expect.stringContaining('RUN echo built > /built.txt')]));
    const info = await docker.getImage(imageRef).inspect();
    expect(info.Config.Labels?.[LABEL.run]).toBe(run);
  });

  it('runs it, reads both log streams and execs in it', async () => {
    const container = await docker.createContainer({ Image: imageRef, name: name('small'), Labels: labels });
    await container.start();
    await new Promise((r) => setTimeout(r, 500));
    expect(await logTail(docker, container.id)).toEqual(expect.arrayContaining(['out-line', 'err-line']));
    const result = await execIn(docker, container.id, ['cat', '/built.txt']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'built\n' });
    const failing = await execIn(docker, container.id, ['sh', '-c', 'echo oops >&2; exit 3']);
    expect(failing).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
  });

  it('reads a stats sample with a memory figure', async () => {
    const [container] = await docker.listContainers({ filters: JSON.stringify({ label: [`${LABEL.run}=${run}`] }) });
    const sample = await readStatsSample(docker, container!.Id);
    expect(sample.memoryUsageBytes).toBeGreaterThan(0);
    expect(sample.memoryLimitBytes).toBeGreaterThan(sample.memoryUsageBytes);
    expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  it('lets two containers on a user network resolve each other by name', async () => {
    const network = name('net');
    await docker.createNetwork({ Name: network, Labels: labels });
    const server = await docker.createContainer({
      Image: 'busybox:latest',
      name: name('server'),
      Labels: labels,
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: network },
    });
    await server.start();
    const client = await docker.createContainer({
      Image: 'busybox:latest',
      name: name('client'),
      Labels: labels,
      Cmd: ['ping', '-c', '1', '-W', '2', name('server')],
      HostConfig: { NetworkMode: network },
    });
    await client.start();
    expect((await waitForExit(docker, client.id)).StatusCode).toBe(0);
    // The default bridge has no name resolution: the same ping fails there.
    const lonely = await docker.createContainer({
      Image: 'busybox:latest',
      name: name('lonely'),
      Labels: labels,
      Cmd: ['ping', '-c', '1', '-W', '2', name('server')],
    });
    await lonely.start();
    expect((await waitForExit(docker, lonely.id)).StatusCode).not.toBe(0);
  });

  it('keeps data on a named volume after its container is removed', async () => {
    const volume = name('data');
    await docker.createVolume({ Name: volume, Labels: labels });
    const writer = await docker.createContainer({
      Image: 'busybox:latest',
      Labels: labels,
      Cmd: ['sh', '-c', 'echo kept > /data/file'],
      HostConfig: { Binds: [`${volume}:/data`] },
    });
    await writer.start();
    await waitForExit(docker, writer.id);
    await writer.remove();
    const reader = await docker.createContainer({
      Image: 'busybox:latest',
      Labels: labels,
      Cmd: ['cat', '/data/file'],
      HostConfig: { Binds: [`${volume}:/data`] },
    });
    await reader.start();
    await waitForExit(docker, reader.id);
    expect(await logTail(docker, reader.id)).toEqual(['kept']);
  });

  it('reports a failing build with its step, its last lines and the log, and tags nothing', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'docklab-broken-'));
    writeFileSync(join(broken, 'Dockerfile'), 'FROM busybox:latest\nRUN echo about to fail && exit 3\n');
    const ref = `docklab-test-${run}/broken:latest`;
    const error = await buildImage(docker, { contextDir: broken, tag: ref, labels, logName: 'test-broken' }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'DOCKLAB_IMAGE_BUILD_FAILED',
      message: expect.stringMatching(
        /at (step 2\/\d+ : |\[2\/2\] )RUN echo about to fail && exit 3: .*(returned a non-zero code|exit code): 3.*Whole log: \//s,
      ),
    });
    expect(error.details).toContain('about to fail');
    await expect(docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
    rmSync(broken, { recursive: true, force: true });
  });

  it('refuses an image it cannot have, naming the tags it can', async () => {
    await expect(ensureImage(docker, 'golang:1.99')).rejects.toMatchObject({
      code: 'DOCKLAB_IMAGE_UNAVAILABLE',
      message: expect.stringMatching(/golang:1\.99 cannot be had here .*golang:1\.19/),
    });
  });

  it('tears down everything of a run by label, and nothing else', async () => {
    const bystander = await docker.createContainer({ Image: 'busybox:latest', name: `docklab-bystander-${run}`, Cmd: ['true'] });
    try {
      const removed = await tearDown(docker, { runs: [run], images: true });
      expect(removed.map((r) => r.kind)).toEqual(expect.arrayContaining(['container', 'network', 'volume', 'image']));
      const filters = JSON.stringify({ label: [`${LABEL.run}=${run}`] });
      expect(await docker.listContainers({ all: true, filters })).toEqual([]);
      expect(await docker.listNetworks({ filters })).toEqual([]);
      expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
      expect(await docker.listImages({ filters })).toEqual([]);
      expect((await bystander.inspect()).Id).toBe(bystander.id);
    } finally {
      await bystander.remove({ force: true });
    }
  });
});
