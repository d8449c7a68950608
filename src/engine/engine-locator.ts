import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { DocklabError } from '../errors.js';

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
    sshOptions?: { agent?: string };
  };
  /** The address as Docker's CLI writes it, e.g. unix:///var/run/docker.sock. */
  address: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * Finds the engine as Docker's own CLI does, in its order:
 * - DOCKER_HOST, when set, wins over every context;
 * - else DOCKER_CONTEXT, else `currentContext` in ~/.docker/config.json
 *   (what `docker context use` writes); a context named there that does not
 *   exist is an error, as it is for `docker ps`; a context that exists is
 *   the only candidate;
 * - else the default context: the default socket, then (docklab's addition
 *   for rootless engines) $XDG_RUNTIME_DIR/docker.sock.
 * Returns every candidate so that the caller can say what was tried; each
 * says why it was chosen (`docklab doctor` shows it).
 */
export function locateEngineCandidates(env: NodeJS.ProcessEnv = process.env): EngineEndpoint[] {
  if (env.DOCKER_HOST) {
    const overridden = chosenContext(env);
    const note = overridden && overridden.name !== 'default' ? `; it wins over context ${overridden.name} (${overridden.from}), as with the Docker CLI` : '';
    return [fromDockerHost(env.DOCKER_HOST, `DOCKER_HOST${note}`, env)];
  }
  const context = chosenContext(env);
  if (context && context.name !== 'default') {
    const endpoint = fromContext(context.name, env, context.from);
    if (!endpoint) {
      throw new DocklabError(
        'DOCKLAB_ENGINE_UNREACHABLE',
        `context "${context.name}": context not found (named by ${context.from}); \`docker context ls\` lists the contexts, \`docker context use default\` goes back to the local engine`,
      );
    }
    return [endpoint];
  }
  const why = context ? `context default (${context.from})` : 'no DOCKER_HOST, no context chosen';
  const candidates: EngineEndpoint[] = [socketEndpoint(DEFAULT_SOCKET, `default socket: ${why}`)];
  const runtimeDir = env.XDG_RUNTIME_DIR ?? (process.getuid ? `/run/user/${process.getuid()}` : undefined);
  if (runtimeDir) candidates.push(socketEndpoint(join(runtimeDir, 'docker.sock'), `rootless socket: ${why}, and the default socket did not answer`));
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
        for (const [key, file] of [
          ['ca', 'ca.pem'],
          ['cert', 'cert.pem'],
          ['key', 'key.pem'],
        ] as const) {
          const path = join(certDir, file);
          if (existsSync(path)) options[key] = readFileSync(path);
        }
      }
      return { source, options, address: value };
    }
    case 'ssh:':
      return {
        source,
        options: {
          host: url.hostname,
          port: Number(url.port || 22),
          protocol: 'ssh',
          username: url.username || undefined,
          ...(env.SSH_AUTH_SOCK ? { sshOptions: { agent: env.SSH_AUTH_SOCK } } : {}),
        },
        address: value,
      };
    default:
      throw new Error(`unsupported DOCKER_HOST scheme '${url.protocol}' (use unix://, tcp:// or ssh://)`);
  }
}

/** The context the CLI would use, and what named it. */
export function chosenContext(env: NodeJS.ProcessEnv): { name: string; from: string } | undefined {
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, from: 'DOCKER_CONTEXT' };
  const config = readJson(join(dockerConfigDir(env), 'config.json'));
  return typeof config?.currentContext === 'string' && config.currentContext
    ? { name: config.currentContext, from: `currentContext in ${join(dockerConfigDir(env), 'config.json')}` }
    : undefined;
}

/**
 * Contexts live in ~/.docker/contexts/meta/<sha256 of name>/meta.json, their
 * TLS material in ~/.docker/contexts/tls/<sha256 of name>/docker/.
 */
function fromContext(name: string, env: NodeJS.ProcessEnv, from: string): EngineEndpoint | undefined {
  const digest = createHash('sha256').update(name).digest('hex');
  const meta = readJson(join(dockerConfigDir(env), 'contexts', 'meta', digest, 'meta.json'));
  const docker = meta?.Endpoints?.docker;
  const host = docker?.Host;
  if (typeof host !== 'string') return undefined;
  const tlsDir = join(dockerConfigDir(env), 'contexts', 'tls', digest, 'docker');
  const endpoint = fromDockerHost(host, `context ${name} (${from})`, { ...env, DOCKER_TLS_VERIFY: undefined, DOCKER_CERT_PATH: undefined });
  if (host.startsWith('tcp://') && existsSync(tlsDir)) {
    endpoint.options.protocol = 'https';
    if (!url(host).port) endpoint.options.port = 2376;
    for (const [key, file] of [
      ['ca', 'ca.pem'],
      ['cert', 'cert.pem'],
      ['key', 'key.pem'],
    ] as const) {
      const path = join(tlsDir, file);
      if (existsSync(path)) endpoint.options[key] = readFileSync(path);
    }
  }
  return endpoint;
}

function url(value: string): URL {
  return new URL(value);
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
