/** An image reference split the way the engine reads it: repository and tag. */
export interface ImageRef {
  repository: string;
  tag: string;
}

export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host (host:5000/name).
  if (colon > withoutDigest.lastIndexOf('/')) {
    return { repository: normalizeRepository(withoutDigest.slice(0, colon)), tag: withoutDigest.slice(colon + 1) };
  }
  return { repository: normalizeRepository(withoutDigest), tag: 'latest' };
}

/** docker.io/library/nginx and library/nginx are nginx. */
function normalizeRepository(repository: string): string {
  return repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

export function formatImageRef({ repository, tag }: ImageRef): string {
  return `${repository}:${tag}`;
}
