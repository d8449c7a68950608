import { chmodSync, copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Docker CLI plugins: `docker compose` and `docker buildx` are programs
 * named docker-compose and docker-buildx in a folder the Docker CLI searches.
 * As root, the system folder serves every user of the machine; otherwise the
 * user's own folder ($DOCKER_CONFIG/cli-plugins, else ~/.docker/cli-plugins),
 * which the CLI searches first.
 */
export function pluginDir(root = process.getuid?.() === 0): string {
  if (root) return '/usr/local/lib/docker/cli-plugins';
  return join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'cli-plugins');
}

/** What the Docker CLI says of a plugin: its version, or undefined when it is not there (or broken). */
export async function pluginVersion(plugin: 'compose' | 'buildx'): Promise<string | undefined> {
  const args = plugin === 'compose' ? ['compose', 'version', '--short'] : ['buildx', 'version'];
  const answer = await execa('docker', args, { reject: false, timeout: 20_000, env: { DOCKER_CLI_HINTS: 'false' } }).catch(() => undefined);
  if (answer?.exitCode !== 0) return undefined;
  const text = String(answer.stdout).trim();
  // buildx prints "github.com/docker/buildx v0.29.1 <commit>"; compose --short prints "2.40.3".
  const version = /\bv?(\d+\.\d+\.\d+[\w.+-]*)/.exec(text)?.[1];
  return version;
}

/** Copies a binary in as a plugin, atomically (a CLI running at that moment sees the old file or the new one). */
export function installPlugin(plugin: 'compose' | 'buildx', binary: string, dir = pluginDir()): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `docker-${plugin}`);
  const partial = `${target}.docklab-${process.pid}`;
  copyFileSync(binary, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}
