import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateEngineCandidates } from '../../src/engine/engine-locator.js';
import { compareApiVersions } from '../../src/engine/engine.js';

describe('finding the engine as the Docker CLI does', () => {
  it('takes DOCKER_HOST first, in each scheme', () => {
    expect(locateEngineCandidates({ DOCKER_HOST: 'unix:///tmp/x.sock' })).toEqual([{ source: 'DOCKER_HOST', options: { socketPath: '/tmp/x.sock' }, address: 'unix:///tmp/x.sock' }]);
    expect(locateEngineCandidates({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })[0]!.options).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    const certs = mkdtempSync(join(tmpdir(), 'certs-'));
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    const tls = locateEngineCandidates({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs })[0]!.options;
    expect(tls).toMatchObject({ host: 'engine', port: 2376, protocol: 'https', ca: Buffer.from('CA') });
    expect(locateEngineCandidates({ DOCKER_HOST: 'ssh://me@box' })[0]!.options).toEqual({ host: 'box', port: 22, protocol: 'ssh', username: 'me' });
  });

  it('then the current context, then the default and rootless sockets', () => {
    const config = mkdtempSync(join(tmpdir(), 'docker-config-'));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    const meta = join(config, 'contexts', 'meta', createHash('sha256').update('remote').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'tcp://remote:2375' } } }));
    const candidates = locateEngineCandidates({ DOCKER_CONFIG: config, XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(candidates.map((c) => c.address)).toEqual(['tcp://remote:2375', 'unix:///var/run/docker.sock', 'unix:///run/user/1000/docker.sock']);
    expect(candidates[0]!.source).toBe('context remote');
  });

  it('compares API versions numerically', () => {
    expect(compareApiVersions('1.41', '1.40')).toBeGreaterThan(0);
    expect(compareApiVersions('1.9', '1.40')).toBeLessThan(0);
    expect(compareApiVersions('1.40', '1.40')).toBe(0);
  });
});
