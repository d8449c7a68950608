
export interface ComposeTool {
  /** The command and the arguments that come before compose's own. */
  command: string;
  prefix: string[];
  version: string;
  display: string;
}

let found: Promise<ComposeTool | undefined> | undefined;

/** `docker compose` (v2 plugin) when present, else `docker-compose` (v1). */
export function findComposeTool(): Promise<ComposeTool | undefined> {
  found ??= (async () => {
    const { execa } = await import('execa');
    const plugin = await execa('docker', ['compose', 'version', '--short'], { reject: false, timeout: 10_000 });
    if (plugin.exitCode === 0 && plugin.stdout.trim()) {
      return { command: 'docker', prefix: ['compose'], version: plugin.stdout.trim(), display: 'docker compose' };
    }
    const standalone = await execa('docker-compose', ['version', '--short'], { reject: false, timeout: 10_000 });
    if (standalone.exitCode === 0 && standalone.stdout.trim()) {
      return { command: 'docker-compose', prefix: [], version: standalone.stdout.trim(), display: 'docker-compose' };
    }
    return undefined;
  })();
  return found;
}
