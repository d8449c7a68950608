import type Docker from 'dockerode';

export interface PushResult {
  /** The manifest digest the engine reported ("sha256:…"). */
  digest: string;
  size?: number;
  durationMs: number;
}

/**
 * Pushes one tag through the Engine API, as `docker push REPO:TAG` does.
 * `auth` is the registry login; {} for an open registry (a local
 * registry:2 on 127.0.0.1, which the engine treats as insecure by default).
 */
export async function pushImage(docker: Docker, repository: string, tag: string, auth: Record<string, string> = {}): Promise<PushResult> {
  const started = Date.now();
  const stream = (await docker.getImage(`${repository}:${tag}`).push({ tag, authconfig: auth } as never)) as unknown as NodeJS.ReadableStream;
  let digest: string | undefined;
  let size: number | undefined;
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error) => (error ? reject(error) : resolve()),
      (event: { error?: string; status?: string; aux?: { Digest?: string; Size?: number } }) => {
        if (event.error) failure = event.error;
        if (event.aux?.Digest) {
          digest = event.aux.Digest;
          size = event.aux.Size;
        }
        const said = /digest: (sha256:[0-9a-f]{64})/.exec(event.status ?? '');
        if (said && !digest) digest = said[1];
      },
    );
  }).catch((error: Error) => {
    failure ??= error.message;
  });
  if (failure || !digest) {
    throw new Error(`pushing ${repository}:${tag} failed: ${failure ?? 'the engine reported no digest'}`);
  }
  return { digest, size, durationMs: Date.now() - started };
}
