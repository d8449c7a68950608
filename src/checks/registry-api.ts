import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CheckContext, HttpAnswer } from '../lab-kit/check-context.js';

/** The media type of an image manifest as `docker push` writes it (schema 2). */
export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * A registry as a lab judges it: where its HTTP API answers, how an image
 * name there is spelt, and how to get read access to a repository.
 */
export interface RegistryTarget {
  /** What the learner types in image names: "127.0.0.1:5000", or "docker.io" for Docker Hub. */
  display: string;
  /** Base URL of the HTTP API, without /v2. */
  baseUrl: string;
  /** The repository for a short image name: "my-node-app" → "my-node-app" or "alice/my-node-app". */
  repository(name: string): string;
  /** The name to tag and push under: "127.0.0.1:5000/my-node-app" or "alice/my-node-app". */
  pushName(name: string): string;
  /** Headers that give read access to a repository (empty for an open registry). */
  authHeaders(ctx: CheckContext, repository: string): Promise<Record<string, string>>;
}

/** A registry at HOST:PORT with no authentication (a local `registry:2`). */
export function plainRegistry(hostPort: string): RegistryTarget {
  const local = /^(127\.|localhost(:|$)|\[::1\])/.test(hostPort);
  return {
    display: hostPort,
    baseUrl: `${local ? 'http' : 'https'}://${hostPort}`,
    repository: (name) => name,
    pushName: (name) => `${hostPort}/${name}`,
    authHeaders: async () => ({}),
  };
}

/**
 * Docker Hub, with the account `docker login` stored in ~/.docker/config.json.
 * Undefined when no account is stored there in a form docklab can read.
 */
export function dockerHubRegistry(configPath = join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json')): {
  target?: RegistryTarget;
  problem?: string;
} {
  let config: { auths?: Record<string, { auth?: string; username?: string }>; credsStore?: string };
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch {
    return { problem: `no readable ${configPath}: log in with \`docker login\`, or name a registry with --registry HOST:PORT` };
  }
  const entry = config.auths?.[DOCKER_HUB_AUTH_KEY];
  const decoded = entry?.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
  const user = entry?.username ?? decoded?.split(':')[0];
  if (!user) {
    return {
      problem: config.credsStore
        ? `your Docker Hub login is kept by the credential helper "${config.credsStore}", which docklab does not read: name your registry with --registry HOST:PORT`
        : `no Docker Hub login in ${configPath}: run \`docker login\` first, or name a registry with --registry HOST:PORT`,
    };
  }
  return {
    target: {
      display: 'docker.io',
      baseUrl: 'https://registry-1.docker.io',
      repository: (name) => `${user}/${name}`,
      pushName: (name) => `${user}/${name}`,
      authHeaders: async (ctx, repository): Promise<Record<string, string>> => {
        const scope = encodeURIComponent(`repository:${repository}:pull`);
        const answer = await ctx.http(`https://auth.docker.io/token?service=registry.docker.io&scope=${scope}`, {
          headers: decoded ? { Authorization: `Basic ${Buffer.from(decoded).toString('base64')}` } : {},
        });
        const token = answer.status === 200 ? (JSON.parse(answer.body) as { token?: string }).token : undefined;
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
    },
  };
}

/** The tags the registry lists for a repository; undefined when it does not know the repository. */
export async function listTags(ctx: CheckContext, registry: RegistryTarget, repository: string): Promise<{ answer: HttpAnswer; tags?: string[] }> {
  const headers = await registry.authHeaders(ctx, repository);
  const answer = await ctx.http(`${registry.baseUrl}/v2/${repository}/tags/list`, { headers });
  if (answer.status !== 200) return { answer };
  const tags = (JSON.parse(answer.body) as { tags?: string[] | null }).tags ?? [];
  return { answer, tags };
}

export interface ManifestInfo {
  answer: HttpAnswer;
  /** The Docker-Content-Digest header: the digest `docker push` reports. */
  digest?: string;
  /** The image config's digest, which is the image ID in the engine that pushed it. */
  configDigest?: string;
  mediaType?: string;
}

/** A tag's manifest as schema 2, with its digest. */
export async function manifestFor(ctx: CheckContext, registry: RegistryTarget, repository: string, tag: string): Promise<ManifestInfo> {
  const headers = { ...(await registry.authHeaders(ctx, repository)), Accept: MANIFEST_V2 };
  const answer = await ctx.http(`${registry.baseUrl}/v2/${repository}/manifests/${tag}`, { headers });
  if (answer.status !== 200) return { answer };
  const header = answer.headers['docker-content-digest'];
  const digest = Array.isArray(header) ? header[0] : header;
  let body: { mediaType?: string; config?: { digest?: string } } = {};
  try {
    body = JSON.parse(answer.body);
  } catch {
    // not JSON: leave the fields empty
  }
  return { answer, digest, configDigest: body.config?.digest, mediaType: body.mediaType };
}
