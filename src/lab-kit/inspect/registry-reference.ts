import { parseImageReference } from './image-reference.js';

/**
 * Registries compared by what they are, not by how they were spelt: the
 * engine on this machine reaches `localhost:5000`, `127.0.0.1:5000` and
 * `[::1]:5000` alike, so an image pushed under one name and verified under
 * another is the same push. Docker Hub's aliases are one registry too.
 */
export interface RegistryAddress {
  /** Lower-case host without brackets: "localhost", "127.0.0.1", "::1", "registry.example". */
  host: string;
  /** The port, or undefined for the scheme's default. */
  port?: number;
  /** True for a name or address of this machine's loopback. */
  loopback: boolean;
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function parseRegistryAddress(text: string): RegistryAddress {
  const trimmed = text
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  let host: string;
  let port: number | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else {
    const colon = trimmed.lastIndexOf(':');
    const onlyOneColon = colon >= 0 && trimmed.indexOf(':') === colon;
    host = onlyOneColon ? trimmed.slice(0, colon) : trimmed;
    port = onlyOneColon ? Number(trimmed.slice(colon + 1)) : undefined;
  }
  if (DOCKER_HUB.has(host)) host = 'docker.io';
  const loopback = host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0:0:0:0:0:0:0:1';
  return { host, port: Number.isFinite(port) ? port : undefined, loopback };
}

/** True when both name the same registry: the same host (any loopback spelling counts as one) and port. */
export function sameRegistry(a: string, b: string): boolean {
  const left = parseRegistryAddress(a);
  const right = parseRegistryAddress(b);
  if (left.port !== right.port) return false;
  return left.host === right.host || (left.loopback && right.loopback);
}

/**
 * True when an image reference (a RepoTags or RepoDigests entry such as
 * `localhost:5000/my-node-app@sha256:…`) lives in the registry at `registry`
 * under the repository path `path`.
 */
export function referenceInRegistry(reference: string, registry: string, path: string): boolean {
  const ref = parseImageReference(reference);
  if (!ref) return false;
  const wantedPath = parseRegistryAddress(registry).host === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  return sameRegistry(ref.registry, registry) && ref.path === wantedPath;
}
