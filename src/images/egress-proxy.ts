export interface EgressProxy {
  /** Build args (HTTP_PROXY, …) for builds and the network mode they need. */
  buildArgs: Record<string, string>;
  networkMode?: string;
  close(): Promise<void>;
}

const NO_PROXY_DEFAULT = 'localhost,127.0.0.1';

/**
 * Builds reach package registries through the machine's HTTP(S)_PROXY when
 * one is set. When that upstream proxy needs credentials, a local bridge
 * (proxy-chain) holds them, so that build containers, their logs and their
 * image history never see them; builds then use the host network to reach it.
 */
export async function egressProxyForBuilds(env: NodeJS.ProcessEnv = process.env): Promise<EgressProxy> {
  const upstream = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (!upstream) return { buildArgs: {}, close: async () => {} };
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? NO_PROXY_DEFAULT;
  const url = new URL(upstream);
  if (!url.username) {
    return { buildArgs: proxyArgs(upstream, noProxy), close: async () => {} };
  }
  // Loaded only when needed: most machines have no authenticated proxy.
  const { anonymizeProxy, closeAnonymizedProxy } = await import('proxy-chain');
  const local = await anonymizeProxy({ url: upstream, port: 0 });
  return {
    buildArgs: proxyArgs(local, noProxy),
    networkMode: 'host',
    close: async () => {
      await closeAnonymizedProxy(local, true);
    },
  };
}

function proxyArgs(proxy: string, noProxy: string): Record<string, string> {
  return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: noProxy, no_proxy: noProxy };
}
