import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertTagsUnique, entryKey, loadCatalog, plainDescription, standInFor, tagsOf, toEntry } from '../../src/images/catalog.js';
import { whatCanBeHad } from '../../src/images/provisioner.js';
import { recipeOf } from '../../src/images/standin-recipe.js';
import { configDifferences, parsePasswd, readManifest, searchPath, userDifferences } from '../../src/images/standin-manifest.js';
import { firstTarFile } from '../../src/images/standin-inspection.js';
import { composeImages, fromImages } from '../../src/images/from-images.js';
import { PROJECT_ROOT } from '../../src/version.js';

const catalog = loadCatalog();

/** The images every lab declares it needs, read from the labs' own definitions. */
function imagesLabsName(): string[] {
  const labsDir = join(PROJECT_ROOT, 'labs');
  const names = new Set<string>();
  for (const lab of readdirSync(labsDir)) {
    let text: string;
    try {
      text = readFileSync(join(labsDir, lab, 'lab.ts'), 'utf8');
    } catch {
      continue;
    }
    const list = /^\s*images:\s*\[([^\]]*)\]/m.exec(text)?.[1] ?? '';
    for (const m of list.matchAll(/'([^']+)'/g)) names.add(m[1]!);
  }
  return [...names];
}

describe('images as learners name them', () => {
  it('node:18 is the full image and node:18-slim the slim one, two entries', () => {
    const full = standInFor('node:18')!.entry;
    const slim = standInFor('node:18-slim')!.entry;
    expect(full).not.toBe(slim);
    expect(full.dependsOn).toEqual(['node:18-slim']);
    expect(full.manifestPath).toMatch(/manifest-full\.json$/);
    expect(slim.manifestPath).toMatch(/manifest-slim\.json$/);
    expect(readManifest(full.manifestPath!).tools?.present).toEqual(expect.arrayContaining(['curl', 'wget', 'git', 'gcc', 'make', 'python3']));
    expect(readManifest(slim.manifestPath!).tools?.absent).toEqual(expect.arrayContaining(['curl', 'wget', 'git', 'gcc', 'make', 'python3']));
  });

  it('python:3.11 is the full image and python:3.11-slim the slim one', () => {
    expect(standInFor('python:3.11')!.entry).not.toBe(standInFor('python:3.11-slim')!.entry);
    expect(readManifest(standInFor('python:3.11')!.entry.manifestPath!).tools?.present).toEqual(expect.arrayContaining(['gcc', 'curl', 'git']));
    expect(readManifest(standInFor('python:3.11-slim')!.entry.manifestPath!).tools?.absent).toEqual(expect.arrayContaining(['gcc', 'curl']));
  });

  it('offers node:20, node:22, golang:1.22 to 1.25 and mariadb:10.11, built on first use', () => {
    for (const ref of [
      'node:20',
      'node:20-slim',
      'node:22',
      'node:22-slim',
      'golang:1.22',
      'golang:1.23',
      'golang:1.24',
      'golang:1.25',
      'mariadb:10.11',
      'python:3.11',
    ]) {
      expect(standInFor(ref)?.entry.provision, ref).toBe('first-use');
    }
    expect(standInFor('node:22')!.entry.buildArgs.FROM_IMAGE).toBe('node:22-slim');
    expect(standInFor('node:22-slim')!.entry.buildArgs.NODE_VERSION).toMatch(/^22\./);
    expect(standInFor('golang:1.22')!.entry.buildArgs.GO_VERSION).toMatch(/^1\.22\.\d+$/);
  });

  it('provisions at setup every image a lab names, and only those and what they are built on', () => {
    const named = imagesLabsName();
    expect(named).toEqual(expect.arrayContaining(['node:18', 'node:18-slim', 'python:3.11-slim', 'nginx:latest']));
    for (const ref of named) expect(standInFor(ref)?.entry.provision, ref).toBe('setup');
    const setup = catalog.filter((e) => e.provision === 'setup');
    const needed = new Set(named.map((r) => entryKey(standInFor(r)!.entry)));
    for (const entry of setup) for (const dep of entry.dependsOn) needed.add(entryKey(standInFor(dep)!.entry));
    // Images with no lab (debian) stay in setup only when they are as cheap as the base they share.
    const extra = setup.filter((e) => !needed.has(entryKey(e))).map(entryKey);
    expect(extra).toEqual(['debian:latest']);
  });

  it('names each tag once across the catalog', () => {
    expect(() => assertTagsUnique(catalog)).not.toThrow();
    const twice = [
      toEntry({ image: 'x', tags: ['1'], realName: 'X' }, '/tmp', 'a.json'),
      toEntry({ image: 'x', tags: ['2', '1'], realName: 'X' }, '/tmp', 'b.json'),
    ];
    expect(() => assertTagsUnique(twice)).toThrow(/x:1 twice/);
  });

  it('reads a bare dependency as its latest tag and refuses an unknown provision time', () => {
    expect(toEntry({ image: 'x', tags: ['1'], realName: 'X', dependsOn: ['node', 'node:18-slim'] }, '/tmp', 'a.json').dependsOn).toEqual([
      'node:latest',
      'node:18-slim',
    ]);
    expect(() => toEntry({ image: 'x', tags: ['1'], realName: 'X', provision: 'later' as never }, '/tmp', 'a.json')).toThrow(/"provision"/);
  });

  it('says which tags can be had, for an image it knows and one it does not', () => {
    expect(whatCanBeHad('node:1.99')).toMatch(/^these tags of node can be had: .*node:18-slim.*node:22/);
    expect(whatCanBeHad('docker.io/library/mysql:5.8')).toBe('these tags of mysql can be had: mysql:latest; use one of those');
    expect(whatCanBeHad('redis:7')).toMatch(/^docklab has no stand-in for redis; images it can provide: .*nginx/);
    expect(tagsOf('mariadb')).toEqual(['10.11', '10.11-jammy', '10']);
  });

  it("says plainly what a stand-in is, and that latest is not today's latest", () => {
    expect(plainDescription(standInFor('mysql')!.entry, 'mariadb-10.11.14', 'mysql:latest')).toMatch(
      /^mysql:latest here is a docklab stand-in: MariaDB .* this is MariaDB 10\.11, not MySQL/,
    );
    for (const entry of catalog.filter((e) => e.tags.includes('latest'))) {
      expect(entry.note, entryKey(entry)).toMatch(/latest|no Ubuntu|not MongoDB|docklab's own/);
    }
  });
});

describe('stand-in manifests', () => {
  it('exist for every stand-in and read', () => {
    for (const entry of catalog) {
      expect(entry.manifestPath, entryKey(entry)).toBeDefined();
      expect(readManifest(entry.manifestPath!).official).not.toBe('');
    }
  });

  it('hold the official layouts that stand-ins got wrong', () => {
    const nginx = readManifest(standInFor('nginx')!.entry.manifestPath!);
    expect(nginx.paths?.absent).toEqual(expect.arrayContaining(['/etc/nginx/proxy_params', '/etc/nginx/fastcgi.conf', '/etc/nginx/snippets']));
    const haproxy = readManifest(standInFor('haproxy:2.6')!.entry.manifestPath!);
    expect(haproxy.paths?.absent).toEqual(expect.arrayContaining(['/etc/haproxy/errors']));
    expect(haproxy.paths?.present).toEqual(expect.arrayContaining(['/usr/local/etc/haproxy/errors/503.http']));
    expect(haproxy.users?.present).toEqual([{ name: 'haproxy', uid: 99, gid: 99 }]);
  });

  it('compare an image configuration', () => {
    const expected = { entrypoint: ['docker-entrypoint.sh'], cmd: ['node'], user: '', env: { NODE_VERSION: null, GOPATH: '/go' }, exposedPorts: ['80/tcp'] };
    expect(
      configDifferences(expected, {
        Entrypoint: ['docker-entrypoint.sh'],
        Cmd: ['node'],
        User: '',
        Env: ['NODE_VERSION=18.20.8', 'GOPATH=/go'],
        ExposedPorts: { '80/tcp': {} },
      }),
    ).toEqual([]);
    expect(configDifferences(expected, { Entrypoint: null, Cmd: ['node'], User: 'node', Env: ['GOPATH=/gopath'], ExposedPorts: null })).toEqual([
      'entrypoint: expected ["docker-entrypoint.sh"], found null',
      'user: expected "", found "node"',
      'exposed ports: expected 80/tcp, found none',
      'env: NODE_VERSION is not set',
      'env: GOPATH expected "/go", found "/gopath"',
    ]);
    expect(configDifferences({ entrypoint: null }, { Entrypoint: [] })).toEqual([]);
  });

  it('compare users from /etc/passwd', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nnginx:x:101:101:nginx:/nonexistent:/bin/false\n';
    expect(parsePasswd(passwd).get('nginx')).toEqual({ uid: 101, gid: 101 });
    expect(userDifferences({ present: [{ name: 'nginx', uid: 101, gid: 101 }], absent: ['www'] }, passwd)).toEqual([]);
    expect(userDifferences({ present: [{ name: 'nginx', uid: 99 }, { name: 'node' }], absent: ['root'] }, passwd)).toEqual([
      'user nginx: expected uid/gid 99/*, found 101/101',
      'user node: missing',
      'user root: present, but the official image has no such user',
    ]);
  });

  it('search the image PATH, or the engine default', () => {
    expect(searchPath(['PATH=/go/bin:/usr/local/go/bin:/usr/bin'])).toEqual(['/go/bin', '/usr/local/go/bin', '/usr/bin']);
    expect(searchPath(undefined)).toContain('/usr/local/bin');
  });

  it('read one file out of an engine archive', () => {
    const header = Buffer.alloc(512);
    header.write('passwd', 0);
    header.write('0000644\0', 100);
    header.write('00000000013\0', 124);
    header.write('0', 156);
    const body = Buffer.alloc(512);
    body.write('root:x:0:0\n');
    expect(firstTarFile(Buffer.concat([header, body, Buffer.alloc(1024)]))).toBe('root:x:0:0\n');
  });
});

describe('stand-in recipes', () => {
  it('change when a file, an argument or a stand-in built on changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-recipe-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
      writeFileSync(join(dir, 'manifest.json'), '{}');
      const entry = toEntry({ image: 'x', tags: ['1'], realName: 'X' }, dir, 'x.json');
      const first = recipeOf(entry);
      expect(recipeOf(entry)).toBe(first);
      writeFileSync(join(dir, 'manifest.json'), '{"official":"changed"}');
      expect(recipeOf(entry)).toBe(first);
      expect(recipeOf({ ...entry, buildArgs: { A: '1' } })).not.toBe(first);
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'script.sh'), 'echo');
      expect(recipeOf(entry)).not.toBe(first);
      const onNode = recipeOf({ ...entry, dependsOn: ['node:18-slim'] });
      expect(onNode).not.toBe(recipeOf(entry));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('images a build or a compose file names', () => {
  it('are the FROM images, with ARGs before FROM resolved and stages left out', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'ARG NODE=18',
      'ARG BASE_IMAGE="python:3.11-slim"',
      'FROM --platform=$BUILDPLATFORM node:${NODE}-slim AS build',
      'RUN npm ci',
      'FROM build AS test',
      'from golang:1.22 \\',
      '  as tools',
      'FROM ${BASE_IMAGE}',
      'FROM scratch',
      'COPY --from=build /app /app',
    ].join('\n');
    expect(fromImages(dockerfile)).toEqual(['node:18-slim', 'golang:1.22', 'python:3.11-slim']);
    expect(fromImages(dockerfile, { NODE: '22' })).toEqual(['node:22-slim', 'golang:1.22', 'python:3.11-slim']);
    expect(fromImages('ARG TAG\nFROM node:$TAG\n')).toEqual([]);
  });

  it('are the images of services that build nothing and the FROM images of those that build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-compose-images-'));
    try {
      mkdirSync(join(dir, 'api'));
      writeFileSync(join(dir, 'api', 'Dockerfile.dev'), 'ARG V=20\nFROM node:${V}\n');
      writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.11-slim\n');
      const refs = composeImages({
        path: join(dir, 'docker-compose.yml'),
        services: {
          web: { image: 'nginx:latest' },
          db: { image: 'mysql:5.8' },
          api: { build: { context: './api', dockerfile: 'Dockerfile.dev', args: ['V=22'] }, image: 'my-api' },
          app: { build: '.' },
          tagged: { image: 'node:${TAG}' },
        },
      });
      expect(refs).toEqual(['nginx:latest', 'mysql:5.8', 'node:22', 'python:3.11-slim']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
