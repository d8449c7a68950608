/**
 * Image references as the engine reads them, in full: `nginx`,
 * `docker.io/library/nginx:latest`, `index.docker.io/library/nginx` and
 * `nginx@sha256:…` all name the repository docker.io/library/nginx. A check
 * that asks "is this nginx?" compares these parts, never the text a learner
 * happened to type.
 */
export interface ImageReference {
  /** The registry host, with its port: "docker.io", "localhost:5000". */
  registry: string;
  /** The path in the registry: "library/nginx", "alice/my-node-app". */
  path: string;
  /** The tag, if the reference names one ("latest" is not assumed here). */
  tag?: string;
  /** The digest, if the reference names one: "sha256:…". */
  digest?: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Splits a reference as the engine does: the first component is a registry
 * only when it has a dot or a colon or is `localhost`; Docker Hub's official
 * images live under `library/`. Undefined for text that is no reference.
 */
export function parseImageReference(text: string): ImageReference | undefined {
  const ref = text.trim();
  if (!ref || /\s/.test(ref)) return undefined;
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  if (digest !== undefined && !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/.test(digest)) return undefined;
  let name = at >= 0 ? ref.slice(0, at) : ref;
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host (host:5000/name).
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  let registry = DOCKER_HUB;
  let path = name;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!/^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:\d+)?$/.test(first)) return undefined;
    registry = first.toLowerCase();
    path = name.slice(slash + 1);
  }
  if (DOCKER_HUB_ALIASES.has(registry)) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) return undefined;
  return { registry, path, tag, digest };
}

/** The repository in full: "docker.io/library/nginx". */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.registry}/${ref.path}`;
}

/** The short form people write: "nginx:1.22", "alice/app", "localhost:5000/app@sha256:…". */
export function familiarName(ref: ImageReference): string {
  const name = ref.registry === DOCKER_HUB ? ref.path.replace(/^library\//, '') : `${ref.registry}/${ref.path}`;
  return `${name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * True when the reference names one of the repositories, by any tag or
 * digest: `nginx` matches `docker.io/library/nginx:1.22` and
 * `nginx@sha256:…`, never `my-nginx` or `bitnami/nginx`.
 */
export function namesRepository(text: string, repositories: readonly string[]): boolean {
  const ref = parseImageReference(text);
  if (!ref) return false;
  return repositories.some((r) => {
    const wanted = parseImageReference(r);
    return wanted !== undefined && repositoryOf(wanted) === repositoryOf(ref);
  });
}

/**
 * A matcher for the places that take a RegExp-like `test`: a compose
 * service's `image:` or a container's image as the engine lists it.
 */
export function imageNamed(...repositories: string[]): { test(text: string): boolean; toString(): string } {
  return { test: (text) => namesRepository(text, repositories), toString: () => repositories.join(' or ') };
}
