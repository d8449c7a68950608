import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as ProxyServer } from 'proxy-chain';
import { ProxyAgent, request } from 'undici';
import { egressProxyForBuilds } from '../../src/images/egress-proxy.js';

/**
 * Builds go out through the machine's proxy. An upstream proxy that wants
 * credentials is reached through a local bridge that holds them, so that
 * build arguments (and so build containers and image history) never carry them.
 */
describe('egress through an upstream proxy', () => {
  let origin: HttpServer;
  let upstream: ProxyServer;
  let originUrl: string;
  let upstreamPort: number;
  const seenAuth: string[] = [];

  beforeAll(async () => {
    origin = createServer((_, res) => res.end('from the origin'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
    upstream = new ProxyServer({
      port: 0,
      host: '127.0.0.1',
      prepareRequestFunction: ({ username, password }) => {
        seenAuth.push(`${username}:${password}`);
        return { requestAuthentication: username !== 'learner' || password !== 's3cret' };
      },
    });
    await upstream.listen();
    upstreamPort = upstream.port;
  });

  afterAll(async () => {
    await upstream.close(true);
    origin.close();
  });

  it('passes a proxy without credentials straight to builds', async () => {
    const egress = await egressProxyForBuilds({ HTTP_PROXY: 'http://127.0.0.1:3128' });
    expect(egress.buildArgs.HTTP_PROXY).toBe('http://127.0.0.1:3128');
    expect(egress.networkMode).toBeUndefined();
    await egress.close();
  });

  it('bridges a proxy with credentials, which builds never see', async () => {
    const egress = await egressProxyForBuilds({ HTTPS_PROXY: `http://learner:s3cret@127.0.0.1:${upstreamPort}` });
    try {
      expect(JSON.stringify(egress.buildArgs)).not.toContain('s3cret');
      expect(egress.networkMode).toBe('host');
      const response = await request(originUrl, { dispatcher: new ProxyAgent(egress.buildArgs.HTTP_PROXY!) });
      expect(await response.body.text()).toBe('from the origin');
      expect(seenAuth).toContain('learner:s3cret');
    } finally {
      await egress.close();
    }
  });

  it('sets nothing when the machine has no proxy', async () => {
    expect((await egressProxyForBuilds({})).buildArgs).toEqual({});
  });
});
