import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineOrSkip } from './engine-gate.js';
import type { Engine } from '../../src/engine/engine.js';
import { LABEL } from '../../src/engine/labels.js';
import { entryKey, loadCatalog, standInFor } from '../../src/images/catalog.js';
import { composeImages, provisionNeeded } from '../../src/images/from-images.js';
import { ensureImage, imageIfPresent } from '../../src/images/provisioner.js';
import { manifestDifferences } from '../../src/images/standin-inspection.js';
import { readManifest } from '../../src/images/standin-manifest.js';
import { loadLab } from '../../src/labs/lab-loader.js';
import { runLab } from '../../src/labs/lab-runner.js';

const engine: Engine | undefined = await engineOrSkip();
const BUILD_TIMEOUT = 1_500_000;

/** Provisions a catalog tag and holds the stand-in against the official image's manifest. */
async function holdsItsManifest(docker: Engine['docker'], ref: string): Promise<void> {
  const entry = standInFor(ref)!.entry;
  const image = await ensureImage(docker, ref);
  // Where a registry answered, the official image itself is used: there is no stand-in to hold.
  if (!image.standin) {
    expect(image.source).not.toBe('built');
    return;
  }
  const differences = await manifestDifferences(docker, ref, readManifest(entry.manifestPath!));
  expect(differences, `${ref} against ${entry.manifestPath}`).toEqual([]);
}

describe.skipIf(!engine)('stand-ins against the official images they stand in for', () => {
  const docker = engine!?.docker;

  for (const entry of loadCatalog().filter((e) => e.provision === 'setup')) {
    it(`${entryKey(entry)} has what the official image has and nothing it lacks`, { timeout: BUILD_TIMEOUT }, async () => {
      await holdsItsManifest(docker, entryKey(entry));
    });
  }

  // Built on first use: one of each kind of recipe (release binary + build tools, Go toolchain module, a flavour of a shared Dockerfile).
  for (const ref of ['node:22', 'golang:1.22', 'mariadb:10.11']) {
    it(`${ref} is built on first use and holds its manifest`, { timeout: BUILD_TIMEOUT }, async () => {
      await holdsItsManifest(docker, ref);
      if (ref === 'node:22') await holdsItsManifest(docker, 'node:22-slim');
    });
  }

  it(
    'an image that is not what a manifest says is caught: missing files and tools, extra tools, other users and config',
    { timeout: BUILD_TIMEOUT },
    async () => {
      await ensureImage(docker, 'node:18');
      await ensureImage(docker, 'debian:latest');
      const slim = readManifest(standInFor('node:18-slim')!.entry.manifestPath!);
      expect(await manifestDifferences(docker, 'node:18', { official: slim.official, tools: slim.tools })).toEqual(
        expect.arrayContaining([
          'tool curl: present as /usr/bin/curl, but the official image has no curl',
          'tool gcc: present as /usr/bin/gcc, but the official image has no gcc',
        ]),
      );
      const nginx = readManifest(standInFor('nginx')!.entry.manifestPath!);
      const differences = await manifestDifferences(docker, 'debian:latest', { ...nginx, runs: [] });
      expect(differences).toEqual(
        expect.arrayContaining([
          'path /etc/nginx/nginx.conf: missing',
          'user nginx: missing',
          expect.stringMatching(/^tool nginx: not on the PATH/),
          'entrypoint: expected ["/docker-entrypoint.sh"], found null',
        ]),
      );
    },
  );

  it('the nginx stand-in refuses a config that includes proxy_params, as the official image does', { timeout: BUILD_TIMEOUT }, async () => {
    await ensureImage(docker, 'nginx:latest');
    const manifest = readManifest(standInFor('nginx')!.entry.manifestPath!);
    const differences = await manifestDifferences(docker, 'nginx:latest', { official: manifest.official, runs: manifest.runs!.slice(0, 1) });
    expect(differences).toEqual([]);
  });

  it(
    'a FROM naming a catalog image not yet provisioned is provisioned before the build, and its first use says what it is',
    { timeout: BUILD_TIMEOUT },
    async () => {
      // python:3.11 (the full image) is built on first use: remove it, keeping its layers as build cache.
      const present = await imageIfPresent(docker, 'python:3.11');
      if (present?.Config?.Labels?.[LABEL.standin]) await docker.getImage(present.Id).remove({ force: true, noprune: true });
      const dir = mkdtempSync(join(tmpdir(), 'docklab-first-use-'));
      try {
        writeFileSync(
          join(dir, 'Dockerfile'),
          'FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY app.py ./\nEXPOSE 5000\nCMD ["python", "app.py"]\n',
        );
        const run = await runLab(await loadLab('19'), { mode: 'run', sourceDir: dir, output: 'silent' });
        expect(
          run.results.filter((r) => r.status !== 'pass'),
          JSON.stringify(run.results, null, 2),
        ).toEqual([]);
        if (present === undefined || present.Config?.Labels?.[LABEL.standin]) {
          expect(run.output.join('\n')).toMatch(
            /python:3\.11 here is a docklab stand-in: CPython .*`python:latest` and `python:3` here are Python 3\.11, not today's latest/,
          );
        }
        await holdsItsManifest(docker, 'python:3.11');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('a compose file naming a tag that cannot be had is refused with the tags that can', { timeout: 120_000 }, async () => {
    const refs = composeImages({ path: '/nonexistent/docker-compose.yml', services: { web: { image: 'nginx:latest' }, db: { image: 'mysql:5.8' } } });
    await expect(provisionNeeded(docker, refs)).rejects.toMatchObject({
      code: 'DOCKLAB_IMAGE_UNAVAILABLE',
      message: expect.stringMatching(/^image mysql:5\.8 cannot be had here .*; these tags of mysql can be had: mysql:latest; use one of those$/),
    });
  });
});
