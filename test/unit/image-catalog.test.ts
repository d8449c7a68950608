import { describe, expect, it } from 'vitest';
import { parseImageRef } from '../../src/images/image-ref.js';
import { loadCatalog, standInFor } from '../../src/images/catalog.js';
import { assertMirrorReachable, debianMirror, firstDebianUri } from '../../src/images/debian-mirror.js';

describe('image references', () => {
  it('splits repository and tag as the engine does', () => {
    expect(parseImageRef('nginx')).toEqual({ repository: 'nginx', tag: 'latest' });
    expect(parseImageRef('docker.io/library/node:18-slim')).toEqual({ repository: 'node', tag: '18-slim' });
    expect(parseImageRef('127.0.0.1:5000/my-node-app:v1.0.0')).toEqual({ repository: '127.0.0.1:5000/my-node-app', tag: 'v1.0.0' });
    expect(parseImageRef('127.0.0.1:5000/app')).toEqual({ repository: '127.0.0.1:5000/app', tag: 'latest' });
  });
});

describe('the stand-in catalog', () => {
  const catalog = loadCatalog();
  it('covers every image the labs use', () => {
    const names = catalog.map((e) => e.image);
    for (const image of ['hello-world', 'busybox', 'ubuntu', 'debian', 'nginx', 'node', 'golang', 'python', 'mysql', 'postgres', 'haproxy', 'registry']) {
      expect(names).toContain(image);
    }
  });
  it('offers every image but mariadb under latest, and only under tags it lists', () => {
    for (const image of new Set(catalog.map((e) => e.image))) {
      if (image !== 'mariadb') expect(catalog.filter((e) => e.image === image).flatMap((e) => e.tags)).toContain('latest');
    }
    expect(standInFor('nginx')?.entry.image).toBe('nginx');
    expect(standInFor('golang:1.99')).toBeUndefined();
  });
});

describe('the Debian mirror from apt sources', () => {
  it('reads one-line sources and skips security archives', () => {
    expect(firstDebianUri('deb http://security.debian.org/debian-security bookworm-security main\ndeb http://mirror.example/debian bookworm main\n')).toBe(
      'http://mirror.example/debian',
    );
  });
  it('reads deb822 stanzas', () => {
    const text =
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n';
    expect(firstDebianUri(text)).toBe('http://deb.debian.org/debian');
  });
  it('finds nothing in sources of other distributions', () => {
    expect(firstDebianUri('deb https://packages.example.com/apt stable main\n')).toBeUndefined();
  });
});

describe('a Debian mirror that does not answer', () => {
  it('is named, with how to choose another', async () => {
    await expect(assertMirrorReachable('http://127.0.0.1:1/debian')).rejects.toMatchObject({
      code: 'DOCKLAB_MIRROR_UNREACHABLE',
      message: expect.stringMatching(/^the Debian mirror http:\/\/127\.0\.0\.1:1\/debian did not answer .*set DOCKLAB_DEBIAN_MIRROR/),
    });
  });
  it('can be overridden', () => {
    expect(debianMirror({ DOCKLAB_DEBIAN_MIRROR: 'http://mirror.example/debian/' })).toBe('http://mirror.example/debian');
  });
});
