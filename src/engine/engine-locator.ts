import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** How to reach an engine, and how it was found (shown by `docklab doctor`). */
export interface EngineEndpoint {
  /** Human-readable origin: "DOCKER_HOST", "context foo", "default socket", … */
  source: string;
  /** Options for dockerode's constructor. */
  options: {
    socketPath?: string;
    host?: string;
    port?: number;
    protocol?: 'http' | 'https' | 'ssh';
    username?: string;
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
  };
  /** The address as Docker's CLI writes it, e.g. unix:///var/run/docker.sock. */
  address: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Finds candidate engines in the order Docker's own CLI uses:
 * DOCKER_HOST, then DOCKER_CONTEXT or the current context of
 * ~/.docker/config.json, then the default socket and the rootless one.
 * Returns every candidate so that the caller can say what was tried.
 */
export function locateEngineCandidates(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) {
    return [fromDockerHost(env.DOCKER_HOST, 'DOCKER_HOST', env)];
  }
  const candidates: EngineEndpoint[] = [];
  const context = currentContext(env);
  if (context && context !== 'default') {
    const endpoint = fromContext(context, env);
    if (endpoint) candidates.push(endpoint);
  }
  candidates.push(socketEndpoint(DEFAULT_SOCKET, 'default socket'));
  const runtimeDir = env.XDG_RUNTIME_DIR ?? (process.getuid ? `/run/user/${process.getuid()}` : undefined);
  if (runtimeDir) candidates.push(socketEndpoint(join(runtimeDir, 'docker.sock'), 'rootless socket'));
  return candidates;
}

function socketEndpoint(path: string, source: string): EngineEndpoint {
  return { source, options: { socketPath: path }, address: `unix://${path}` };
}

export function fromDockerHost(value: string, source: string, env: NodeJS.ProcessEnv): EngineEndpoint {
  const url = new URL(value);
  switch (url.protocol) {
    case 'unix:':
      return socketEndpoint(url.pathname, source);
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = url.protocol === 'https:' || isTruthy(env.DOCKER_TLS_VERIFY);
      const options: EngineEndpoint['options'] = {
        host: url.hostname,
        port: Number(url.port || (tls ? 2376 : 2375)),
        protocol: tls ? 'https' : 'http',
      };
      if (tls) {
        const certDir = env.DOCKER_CERT_PATH ?? join(homedir(), '.docker');
        for (const [key, file] of [['ca', 'ca.pem'], ['cert', 'cert.pem'], ['key', 'key.pem']] as const) {
          const path = join(certDir, file);
          if (existsSync(path)) options[key] = readFileSync(path);
        }
      }
      return { source, options, address: value };
    }
    case 'ssh:':
      return {
        source,
        options: { host: url.hostname, port: Number(url.port || 22), protocol: 'ssh', username: url.username || undefined },
        address: value,
      };
    default:
      throw new Error(`unsupported DOCKER_HOST scheme '${url.protocol}' (use unix://, tcp:// or ssh://)`);
  }
}

function currentContext(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT;
  const config = readJson(join(dockerConfigDir(env), 'config.json'));
  return typeof config?.currentContext === 'string' ? config.currentContext : undefined;
}

/** Contexts live in ~/.docker/contexts/meta/<sha256 of name>/meta.json. */
function fromContext(name: string, env: NodeJS.ProcessEnv): EngineEndpoint | undefined {
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = readJson(join(dockerConfigDir(env), 'contexts', 'meta', digest, 'meta.json'));
  const host = meta?.Endpoints?.docker?.Host;
  if (typeof host !== 'string') return undefined;
  return fromDockerHost(host, `context ${name}`, env);
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG ?? join(homedir(), '.docker');
}

function readJson(path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
