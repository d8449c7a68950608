import Docker from 'dockerode';
import { DocklabError } from '../errors.js';
import { locateEngineCandidates, type EngineEndpoint } from './engine-locator.js';

/** The oldest Engine API docklab speaks (Docker 20.10 serves 1.41). */
export const MIN_API_VERSION = '1.40';

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernel?: string;
}

/** A connected, answering engine. */
export interface Engine {
  docker: Docker;
  endpoint: EngineEndpoint;
  info: EngineInfo;
}

const PING_TIMEOUT_MS = 3_000;

let cached: Promise<Engine> | undefined;

/** Connects once per process; later calls share the connection. */
export function connectEngine(): Promise<Engine> {
  cached ??= findEngine().catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function findEngine(): Promise<Engine> {
  const tried: string[] = [];
  let candidates: EngineEndpoint[];
  try {
    candidates = locateEngineCandidates();
  } catch (error) {
    if (error instanceof DocklabError) throw error;
    throw new DocklabError('DOCKLAB_ENGINE_UNREACHABLE', `cannot read DOCKER_HOST: ${(error as Error).message}`);
  }
  for (const endpoint of candidates) {
    const docker = new Docker({ ...endpoint.options, timeout: PING_TIMEOUT_MS });
    try {
      const version = await docker.version();
      if (compareApiVersions(version.ApiVersion, MIN_API_VERSION) < 0) {
        throw new DocklabError(
          'DOCKLAB_ENGINE_TOO_OLD',
          `the engine at ${endpoint.address} speaks API ${version.ApiVersion}, docklab needs ${MIN_API_VERSION} or newer (Docker 19.03+): upgrade the engine`,
        );
      }
      // Pin the API version the engine speaks so that dockerode never asks for newer.
      const pinned = new Docker({ ...endpoint.options, version: `v${version.ApiVersion}` });
      return {
        docker: pinned,
        endpoint,
        info: {
          version: version.Version,
          apiVersion: version.ApiVersion,
          os: version.Os,
          arch: version.Arch,
          kernel: version.KernelVersion,
        },
      };
    } catch (error) {
      if (error instanceof DocklabError) throw error;
      tried.push(`${endpoint.address} (${endpoint.source}: ${shortReason(error)})`);
    }
  }
  throw new DocklabError(
    'DOCKLAB_ENGINE_UNREACHABLE',
    `no Docker engine answered; tried ${tried.join(', ')}. Start one with \`npm run setup\` (root on Debian/Ubuntu) or \`sudo systemctl start docker\`, or point DOCKER_HOST at one`,
  );
}

function shortReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no socket';
  if (code === 'EACCES') return 'permission denied: add yourself to the docker group';
  if (code === 'ECONNREFUSED') return 'connection refused';
  return code ?? (error as Error).message?.split('\n')[0] ?? String(error);
}

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Forget the cached connection (after set-up started an engine). */
export function resetEngineConnection(): void {
  cached = undefined;
}
