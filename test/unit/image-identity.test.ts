import { describe, expect, it } from 'vitest';
import { familiarName, imageNamed, namesRepository, parseImageReference } from '../../src/lab-kit/inspect/image-reference.js';
import { containersOfImage, runsImage, type ContainerSource } from '../../src/lab-kit/inspect/image-identity.js';
import { parseRegistryAddress, referenceInRegistry, sameRegistry } from '../../src/lab-kit/inspect/registry-reference.js';
import { mysqlGreetingVersion } from '../../src/lab-kit/inspect/outside-probe.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('image references read as the engine reads them', () => {
  it.each([
    ['nginx', { registry: 'docker.io', path: 'library/nginx', tag: undefined, digest: undefined }],
    ['nginx:1.22', { registry: 'docker.io', path: 'library/nginx', tag: '1.22' }],
    ['docker.io/library/nginx:1.22', { registry: 'docker.io', path: 'library/nginx', tag: '1.22' }],
    ['index.docker.io/library/nginx', { registry: 'docker.io', path: 'library/nginx' }],
    [`nginx@${DIGEST}`, { registry: 'docker.io', path: 'library/nginx', digest: DIGEST }],
    [`nginx:1.22@${DIGEST}`, { registry: 'docker.io', path: 'library/nginx', tag: '1.22', digest: DIGEST }],
    ['alice/my-node-app:v1.0.0', { registry: 'docker.io', path: 'alice/my-node-app', tag: 'v1.0.0' }],
    ['localhost:5000/my-node-app:v1.0.0', { registry: 'localhost:5000', path: 'my-node-app', tag: 'v1.0.0' }],
    ['localhost/my-node-app', { registry: 'localhost', path: 'my-node-app' }],
    ['ghcr.io/acme/web', { registry: 'ghcr.io', path: 'acme/web' }],
  ])('%s', (text, parts) => {
    expect(parseImageReference(text)).toMatchObject(parts);
  });

  it('refuses what is no reference', () => {
    for (const text of ['', 'Nginx', 'nginx:', 'nginx@sha256:xyz', 'two words', 'nginx:a/b']) expect(parseImageReference(text), text).toBeUndefined();
  });

  it('writes the short form back', () => {
    expect(familiarName(parseImageReference('docker.io/library/nginx:1.22')!)).toBe('nginx:1.22');
    expect(familiarName(parseImageReference('127.0.0.1:5000/app@' + DIGEST)!)).toBe(`127.0.0.1:5000/app@${DIGEST}`);
  });
});

describe('an image named by its repository, any tag or digest (the wrong verdict on docker.io/library/nginx:1.22)', () => {
  it('accepts every spelling of the official image', () => {
    for (const text of [
      'nginx',
      'nginx:latest',
      'nginx:1.22-alpine',
      'docker.io/library/nginx:1.22',
      'library/nginx',
      `nginx@${DIGEST}`,
      'registry-1.docker.io/library/nginx:1.25',
    ]) {
      expect(namesRepository(text, ['nginx']), text).toBe(true);
    }
  });

  it('refuses look-alikes', () => {
    for (const text of ['my-nginx', 'nginx-proxy', 'bitnami/nginx', 'ghcr.io/library/nginx', 'nginxinc/nginx-unprivileged', 'localhost:5000/nginx']) {
      expect(namesRepository(text, ['nginx']), text).toBe(false);
    }
  });

  it('takes several repositories for one role, and a matcher usable where a RegExp was', () => {
    const mysql = imageNamed('mysql', 'mariadb');
    expect(mysql.test('mariadb:11')).toBe(true);
    expect(mysql.test('docker.io/library/mysql:8.4')).toBe(true);
    expect(mysql.test('postgres')).toBe(false);
    expect(String(mysql)).toBe('mysql or mariadb');
  });

  it('knows a container by its image id when the reference names another tag (the same image under another tag)', () => {
    const ids = new Set(['sha256:nginx-image']);
    expect(runsImage({ Image: 'web-server:v1', ImageID: 'sha256:nginx-image' }, ['nginx'], ids)).toBe(true);
    expect(runsImage({ Image: 'sha256:nginx-image', ImageID: 'sha256:nginx-image' }, ['nginx'], ids)).toBe(true);
    expect(runsImage({ Image: 'docker.io/library/nginx:1.22', ImageID: 'sha256:other' }, ['nginx'], ids)).toBe(true);
    expect(runsImage({ Image: 'httpd', ImageID: 'sha256:httpd-image' }, ['nginx'], ids)).toBe(false);
  });
});

describe('registries compared by what they are (the wrong verdict on localhost:PORT against 127.0.0.1:PORT)', () => {
  it('takes every loopback spelling with the same port as one registry', () => {
    expect(sameRegistry('localhost:5000', '127.0.0.1:5000')).toBe(true);
    expect(sameRegistry('[::1]:5000', 'localhost:5000')).toBe(true);
    expect(sameRegistry('LOCALHOST:5000', '127.0.0.1:5000')).toBe(true);
    expect(sameRegistry('docker.io', 'index.docker.io')).toBe(true);
  });

  it('keeps ports and hosts apart', () => {
    expect(sameRegistry('localhost:5000', '127.0.0.1:5001')).toBe(false);
    expect(sameRegistry('registry.example:5000', '127.0.0.1:5000')).toBe(false);
    expect(sameRegistry('localhost', 'localhost:5000')).toBe(false);
  });

  it('reads hosts, ports and schemes', () => {
    expect(parseRegistryAddress('http://127.0.0.1:5000/')).toEqual({ host: '127.0.0.1', port: 5000, loopback: true });
    expect(parseRegistryAddress('[::1]:5000')).toEqual({ host: '::1', port: 5000, loopback: true });
    expect(parseRegistryAddress('ghcr.io')).toEqual({ host: 'ghcr.io', port: undefined, loopback: false });
  });

  it('finds a RepoDigests entry of a push under another loopback name', () => {
    expect(referenceInRegistry(`localhost:5000/my-node-app@${DIGEST}`, '127.0.0.1:5000', 'my-node-app')).toBe(true);
    expect(referenceInRegistry(`127.0.0.1:5000/my-node-app@${DIGEST}`, 'localhost:5000', 'my-node-app')).toBe(true);
    expect(referenceInRegistry(`localhost:5000/other@${DIGEST}`, '127.0.0.1:5000', 'my-node-app')).toBe(false);
    expect(referenceInRegistry(`alice/my-node-app@${DIGEST}`, 'docker.io', 'alice/my-node-app')).toBe(true);
    expect(referenceInRegistry(`docker.io/alice/my-node-app@${DIGEST}`, 'docker.io', 'alice/my-node-app')).toBe(true);
  });
});

describe('a MySQL server greeting read by an outside probe', () => {
  const packet = (version: string) => {
    const body = Buffer.concat([Buffer.from([10]), Buffer.from(version, 'latin1'), Buffer.from([0]), Buffer.alloc(20, 1)]);
    const header = Buffer.from([body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16, 0]);
    return Buffer.concat([header, body]);
  };
  it.each(['8.0.40', '8.4.3', '9.1.0', '5.5.5-10.11.6-MariaDB-0+deb12u1', '11.4.2-MariaDB-ubu2404'])('names the version of %s', (version) => {
    expect(mysqlGreetingVersion(packet(version))).toBe(version);
  });
  it('takes no other protocol for MySQL', () => {
    expect(mysqlGreetingVersion(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))).toBeUndefined();
    expect(mysqlGreetingVersion(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBeUndefined();
    expect(mysqlGreetingVersion(Buffer.alloc(3))).toBeUndefined();
  });
});

describe('containers of an image, with the engine asked for its images only when needed', () => {
  /** A fake engine for this pure selection logic: the containers a check may judge and one image list, counting the lists asked for. */
  function source(containers: Array<{ Id: string; Image: string; ImageID: string; State: string }>, images: Array<{ Id: string; RepoTags: string[] }>) {
    let imageLists = 0;
    const ctx = {
      docker: { listImages: async () => (imageLists++, images) },
      containers: async () => containers,
    } as unknown as ContainerSource;
    return { ctx, imageLists: () => imageLists };
  }

  it('finds a container started as docker.io/library/nginx:1.22 without listing images', async () => {
    const { ctx, imageLists } = source([{ Id: 'c1', Image: 'docker.io/library/nginx:1.22', ImageID: 'sha256:n', State: 'running' }], []);
    expect((await containersOfImage(ctx, ['nginx'], { running: true })).map((c) => c.Id)).toEqual(['c1']);
    expect(imageLists()).toBe(0);
  });

  it('still finds nginx re-tagged as web (the image list settles it), and leaves a stopped one out when asked for running ones', async () => {
    const { ctx, imageLists } = source(
      [
        { Id: 'c1', Image: 'web', ImageID: 'sha256:n', State: 'running' },
        { Id: 'c2', Image: 'nginx', ImageID: 'sha256:n', State: 'exited' },
        { Id: 'c3', Image: 'httpd', ImageID: 'sha256:h', State: 'running' },
      ],
      [
        { Id: 'sha256:n', RepoTags: ['nginx:latest', 'web:latest'] },
        { Id: 'sha256:h', RepoTags: ['httpd:latest'] },
      ],
    );
    expect((await containersOfImage(ctx, ['nginx'], { running: true })).map((c) => c.Id)).toEqual(['c1']);
    expect((await containersOfImage(ctx, ['nginx'])).map((c) => c.Id)).toEqual(['c1', 'c2']);
    expect(imageLists()).toBe(2);
  });
});
