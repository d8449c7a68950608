import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerConfigDir } from '../engine/engine-locator.js';
import { parseImageRef } from './image-ref.js';

export interface PullOutcome {
  ok: boolean;
  reason?: string;
}

const PULL_TIMEOUT_MS = 120_000;
/** No progress at all for this long means the registry is out of reach. */
const FIRST_ANSWER_TIMEOUT_MS = 20_000;

/** Credentials for a registry from ~/.docker/config.json (plain "auths" entries). */
export function registryAuth(ref: string): Docker.AuthConfig | undefined {
  const { repository } = parseImageRef(ref);
  const first = repository.split('/')[0]!;
  const registry = first.includes('.') || first.includes(':') ? first : 'https://index.docker.io/v1/';
  try {
    const config = JSON.parse(readFileSync(join(dockerConfigDir(), 'config.json'), 'utf8'));
    const entry = config.auths?.[registry] ?? config.auths?.[`https://${registry}`];
    if (!entry?.auth) return undefined;
    const [username, ...rest] = Buffer.from(entry.auth, 'base64').toString('utf8').split(':');
    return { username: username!, password: rest.join(':'), serveraddress: registry };
  } catch {
    return undefined;
  }
}

/** Pulls an image with a time limit; reports progress lines; never throws. */
export async function pullImage(docker: Docker, ref: string, onLine?: (line: string) => void): Promise<PullOutcome> {
  try {
    const stream = await withTimeout(docker.pull(ref, { authconfig: registryAuth(ref) }), FIRST_ANSWER_TIMEOUT_MS, 'the registry did not answer');
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (error) => (error ? reject(error) : resolve()),
          (event: { status?: string; progress?: string; id?: string; error?: string }) => {
            if (event.error) reject(new Error(event.error));
            else if (event.status) onLine?.(`${event.id ? `${event.id}: ` : ''}${event.status} ${event.progress ?? ''}`.trim());
          },
        );
      }),
      PULL_TIMEOUT_MS,
      'the pull took too long',
    );
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: firstLine((error as Error).message) };
  }
}

function firstLine(text: string): string {
  return text
    .replace(/^\(HTTP code \d+\)[^-]*- /, '')
    .split('\n')[0]!
    .trim();
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
