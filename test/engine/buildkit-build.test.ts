import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { engineOrSkip } from './engine-gate.js';
import type { Engine } from '../../src/engine/engine.js';
import { LABEL, labelsFor, newRunId } from '../../src/engine/labels.js';
import { buildImage } from '../../src/images/image-build.js';
import { ensureImage } from '../../src/images/provisioner.js';
import { execIn } from '../../src/engine/container-io.js';
import { tearDown } from '../../src/engine/teardown.js';
import { ensureDockerfileFrontend } from '../../src/images/dockerfile-frontend.js';
import { resetBuilderChoice } from '../../src/images/builder-choice.js';

const engine: Engine | undefined = await engineOrSkip();
const run = newRunId();
const labels = labelsFor({ lab: 'test', run });

/** The Dockerfile features of today's `docker build` that the legacy builder refuses. */
const MODERN = `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM busybox:latest AS build
ARG TARGETARCH
RUN <<EOF
echo "built for $TARGETARCH" > /built.txt
echo "second line" >> /built.txt
EOF
RUN --mount=type=cache,target=/cache echo kept > /cache/seen && cat /cache/seen > /from-cache.txt

FROM busybox:latest
COPY --from=build /built.txt /from-cache.txt /
COPY --chmod=755 greet.sh /usr/local/bin/greet
COPY --link data.txt /data/
CMD ["sleep", "300"]
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-buildkit-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function runIn(docker: Docker, image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Labels: labels, Cmd: ['sleep', '60'] });
  try {
    await container.start();
    const result = await execIn(docker, container.id, cmd);
    return result.stdout + result.stderr;
  } finally {
    await container.remove({ force: true });
  }
}

describe.skipIf(!engine)('builds with BuildKit', () => {
  const docker = engine!?.docker;
  const dirs: string[] = [];

  beforeAll(async () => {
    await ensureImage(docker, 'busybox:latest');
    await ensureDockerfileFrontend(docker);
  });

  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await tearDown(docker, { runs: [run], images: true });
  });

  it(
    'regression: valid modern Dockerfiles build (heredocs, FROM --platform, RUN --mount=type=cache, COPY --chmod and --link under a syntax line)',
    { timeout: 300_000 },
    async () => {
      const dir = folder({ Dockerfile: MODERN, 'greet.sh': '#!/bin/sh\necho hello from greet\n', 'data.txt': 'data\n' });
      dirs.push(dir);
      const ref = `docklab-test-${run}/modern:latest`;
      const built = await buildImage(docker, { contextDir: dir, tag: ref, labels, logName: 'test-modern' });
      expect(built.builder).toBe('buildkit');
      expect(built.steps.map((s) => s.keyword)).toEqual(expect.arrayContaining(['FROM', 'RUN', 'COPY']));
      expect(await runIn(docker, ref, ['cat', '/built.txt'])).toMatch(/^built for amd64\nsecond line\n$/);
      expect(await runIn(docker, ref, ['cat', '/from-cache.txt'])).toBe('kept\n');
      expect(await runIn(docker, ref, ['greet'])).toBe('hello from greet\n');
      expect(await runIn(docker, ref, ['cat', '/data/data.txt'])).toBe('data\n');
      expect((await docker.getImage(ref).inspect()).Config.Labels?.[LABEL.run]).toBe(run);
    },
  );

  it('regression: a heredoc without a syntax line builds, as Docker 23 and later build it', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: 'FROM busybox:latest\nRUN <<EOF\necho one > /one.txt\nEOF\n' });
    dirs.push(dir);
    const ref = `docklab-test-${run}/heredoc:latest`;
    await buildImage(docker, { contextDir: dir, tag: ref, labels, logName: 'test-heredoc' });
    expect(await runIn(docker, ref, ['cat', '/one.txt'])).toBe('one\n');
  });

  it('regression: a frontend named by a syntax line (docker/dockerfile:1.4) finds the build context', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: '# syntax=docker/dockerfile:1.4\nFROM busybox:latest\nCOPY --chmod=700 a.txt /a.txt\n', 'a.txt': 'a\n' });
    dirs.push(dir);
    const ref = `docklab-test-${run}/older-syntax:latest`;
    await buildImage(docker, { contextDir: dir, tag: ref, labels, logName: 'test-older-syntax' });
    expect(await runIn(docker, ref, ['stat', '-c', '%a', '/a.txt'])).toBe('700\n');
  });

  it('regression: a frontend build keeps its served context in the folder it is given, and removes it at the end', { timeout: 300_000 }, async () => {
    // A run gives its own folder, which the reaper removes after a kill; the system temp folder kept one per killed build.
    const dir = folder({ Dockerfile: '# syntax=docker/dockerfile:1.4\nFROM busybox:latest\nCOPY b.txt /b.txt\n', 'b.txt': 'b\n' });
    const scratchRoot = mkdtempSync(join(tmpdir(), 'docklab-scratch-'));
    dirs.push(dir, scratchRoot);
    const given: string[] = [];
    const seenDuringBuild = new Set<string>();
    const ref = `docklab-test-${run}/scratch-dir:latest`;
    await buildImage(docker, {
      contextDir: dir,
      tag: ref,
      labels,
      logName: 'test-scratch-dir',
      noCache: true,
      scratchDir: () => {
        const d = mkdtempSync(join(scratchRoot, 'build-context-'));
        given.push(d);
        return d;
      },
      onLine: () => {
        for (const d of given) for (const f of readdirSync(d)) seenDuringBuild.add(f);
      },
    });
    expect(given).toHaveLength(1);
    expect([...seenDuringBuild]).toEqual(['context.tar']);
    expect(existsSync(given[0]!)).toBe(false);
    expect(await runIn(docker, ref, ['cat', '/b.txt'])).toBe('b\n');
  });

  it('reports the steps a rebuild took from the cache as CACHED', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: `FROM busybox:latest\nRUN echo ${run} > /slow.txt\nCOPY app.txt /app.txt\n`, 'app.txt': 'one\n' });
    dirs.push(dir);
    const first = await buildImage(docker, { contextDir: dir, tag: `docklab-test-${run}/cache:first`, labels, logName: 'test-cache-1' });
    expect(first.steps.find((s) => s.keyword === 'RUN')?.cached).toBe(false);
    writeFileSync(join(dir, 'app.txt'), 'two\n');
    const second = await buildImage(docker, { contextDir: dir, tag: `docklab-test-${run}/cache:second`, labels, logName: 'test-cache-2' });
    expect(second.steps.find((s) => s.keyword === 'RUN')).toMatchObject({ cached: true, command: `RUN echo ${run} > /slow.txt` });
    expect(second.steps.find((s) => s.keyword === 'COPY')?.cached).toBe(false);
  });

  it('reports a failing step with its last lines and tags nothing', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: 'FROM busybox:latest\nRUN echo about to fail && exit 3\n' });
    dirs.push(dir);
    const ref = `docklab-test-${run}/broken:latest`;
    const error = await buildImage(docker, { contextDir: dir, tag: ref, labels, logName: 'test-broken' }).catch((e) => e);
    expect(error).toMatchObject({
      code: 'DOCKLAB_IMAGE_BUILD_FAILED',
      message: expect.stringMatching(/at \[2\/2\] RUN echo about to fail && exit 3: .*exit code: 3.*Whole log: \//s),
    });
    expect(error.details).toContain('about to fail');
    await expect(docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('names the base image that cannot be had', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: 'FROM docklab-no-such-image:1\nRUN true\n' });
    dirs.push(dir);
    const error = await buildImage(docker, { contextDir: dir, tag: `docklab-test-${run}/nobase:latest`, labels, logName: 'test-nobase' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'DOCKLAB_IMAGE_UNAVAILABLE', message: expect.stringContaining('FROM docklab-no-such-image:1') });
  });

  it('builds with the legacy builder under DOCKER_BUILDKIT=0, and says so', { timeout: 300_000 }, async () => {
    const dir = folder({ Dockerfile: 'FROM busybox:latest\nRUN echo legacy > /legacy.txt\n' });
    dirs.push(dir);
    const saved = process.env.DOCKER_BUILDKIT;
    process.env.DOCKER_BUILDKIT = '0';
    resetBuilderChoice();
    try {
      const built = await buildImage(docker, { contextDir: dir, tag: `docklab-test-${run}/legacy:latest`, labels, logName: 'test-legacy' });
      expect(built).toMatchObject({ builder: 'legacy', builderReason: expect.stringContaining('DOCKER_BUILDKIT=0') });
      expect(built.steps.map((s) => s.command)).toContain('RUN echo legacy > /legacy.txt');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_BUILDKIT;
      else process.env.DOCKER_BUILDKIT = saved;
      resetBuilderChoice();
    }
  });
});
