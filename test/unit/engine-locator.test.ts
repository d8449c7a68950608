import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateEngineCandidates } from '../../src/engine/engine-locator.js';
import { compareApiVersions } from '../../src/engine/engine.js';
import { DocklabError } from '../../src/errors.js';

describe('finding the engine as the Docker CLI does', () => {
  it('takes DOCKER_HOST first, in each scheme', () => {
    expect(locateEngineCandidates({ DOCKER_HOST: 'unix:///tmp/x.sock' })).toEqual([
      { source: 'DOCKER_HOST', options: { socketPath: '/tmp/x.sock' }, address: 'unix:///tmp/x.sock' },
    ]);
    expect(locateEngineCandidates({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })[0]!.options).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    const certs = mkdtempSync(join(tmpdir(), 'certs-'));
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    const tls = locateEngineCandidates({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs })[0]!.options;
    expect(tls).toMatchObject({ host: 'engine', port: 2376, protocol: 'https', ca: Buffer.from('CA') });
    expect(locateEngineCandidates({ DOCKER_HOST: 'ssh://me@box' })[0]!.options).toEqual({ host: 'box', port: 22, protocol: 'ssh', username: 'me' });
  });

  function configWithContext(name: string, host: string, tls?: Record<string, string>): string {
    const config = mkdtempSync(join(tmpdir(), 'docker-config-'));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: name }));
    const digest = createHash('sha256').update(name).digest('hex');
    const meta = join(config, 'contexts', 'meta', digest);
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
    if (tls) {
      const dir = join(config, 'contexts', 'tls', digest, 'docker');
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(tls)) writeFileSync(join(dir, file), text);
    }
    return config;
  }

  it('then the current context (docker context use), which is then the only candidate, as for the CLI', () => {
    const config = configWithContext('remote', 'tcp://remote:2375');
    const candidates = locateEngineCandidates({ DOCKER_CONFIG: config, XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(candidates.map((c) => c.address)).toEqual(['tcp://remote:2375']);
    expect(candidates[0]!.source).toBe(`context remote (currentContext in ${join(config, 'config.json')})`);
  });

  it('DOCKER_CONTEXT over the current context; DOCKER_HOST over both', () => {
    const config = configWithContext('remote', 'tcp://remote:2375');
    expect(() => locateEngineCandidates({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'other' })).toThrow(
      /context "other": context not found \(named by DOCKER_CONTEXT\)/,
    );
    const host = locateEngineCandidates({ DOCKER_CONFIG: config, DOCKER_CONTEXT: 'other', DOCKER_HOST: 'unix:///tmp/d.sock' });
    expect(host.map((c) => c.address)).toEqual(['unix:///tmp/d.sock']);
    expect(host[0]!.source).toBe('DOCKER_HOST; it wins over context other (DOCKER_CONTEXT), as with the Docker CLI');
  });

  it('regression: a bogus DOCKER_CONTEXT is an error, as `docker ps` makes it, not silently the default socket', () => {
    let error: unknown;
    try {
      locateEngineCandidates({ DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'docker-config-')), DOCKER_CONTEXT: 'bogus' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DocklabError);
    expect(error).toMatchObject({ code: 'DOCKLAB_ENGINE_UNREACHABLE', exitCode: 2 });
    expect((error as Error).message).toMatch(/^context "bogus": context not found/);
  });

  it('the default context: the default socket, then the rootless one, saying why', () => {
    const config = configWithContext('default', 'unix:///ignored');
    const candidates = locateEngineCandidates({ DOCKER_CONFIG: config, XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(candidates.map((c) => c.address)).toEqual(['unix:///var/run/docker.sock', 'unix:///run/user/1000/docker.sock']);
    expect(candidates[0]!.source).toMatch(/^default socket: context default/);
    const bare = locateEngineCandidates({ DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'docker-config-')), XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(bare[0]!.source).toBe('default socket: no DOCKER_HOST, no context chosen');
  });

  it("a context's TLS material makes its tcp endpoint https", () => {
    const config = configWithContext('secure', 'tcp://engine.example:2376', { 'ca.pem': 'CA', 'cert.pem': 'CERT', 'key.pem': 'KEY' });
    const [endpoint] = locateEngineCandidates({ DOCKER_CONFIG: config });
    expect(endpoint!.options).toMatchObject({
      host: 'engine.example',
      port: 2376,
      protocol: 'https',
      ca: Buffer.from('CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
  });

  it('compares API versions numerically', () => {
    expect(compareApiVersions('1.41', '1.40')).toBeGreaterThan(0);
    expect(compareApiVersions('1.9', '1.40')).toBeLessThan(0);
    expect(compareApiVersions('1.40', '1.40')).toBe(0);
  });
});
