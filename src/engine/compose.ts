import { DocklabError } from '../errors.js';

export interface ComposeTool {
  /** The command and the arguments that come before compose's own. */
  command: string;
  prefix: string[];
  version: string;
  display: string;
  /** 2: the Compose v2 plugin (`docker compose`), what Docker ships today; 1: the standalone `docker-compose` 1.x. */
  generation: 1 | 2;
  /** Why this one: said by `docklab doctor`. */
  reason: string;
}

let found: Promise<ComposeTool | undefined> | undefined;

/**
 * `docker compose` (v2 plugin) when present, else `docker-compose` (v1).
 * DOCKLAB_COMPOSE=v1 or v2 insists on one (a test of both, or a learner who
 * wants the tool of their own course); the other is then not used.
 */
export function findComposeTool(): Promise<ComposeTool | undefined> {
  found ??= (async () => {
    const wanted = composeChoice(process.env.DOCKLAB_COMPOSE);
    const [v2, v1] = await Promise.all([wanted !== 'v1' ? composeV2() : undefined, wanted !== 'v2' ? composeV1() : undefined]);
    if (wanted === 'v2') return v2 && { ...v2, reason: 'DOCKLAB_COMPOSE=v2' };
    if (wanted === 'v1') return v1 && { ...v1, reason: 'DOCKLAB_COMPOSE=v1' };
    if (v2) return { ...v2, reason: 'Compose v2, as Docker ships it' };
    if (v1) return { ...v1, reason: 'fallback: `docker compose` (v2) is not installed; `npm run setup` builds it' };
    return undefined;
  })();
  return found;
}

/** Forget the tool found, after set-up installed another. */
export function resetComposeTool(): void {
  found = undefined;
}

export function composeChoice(value: string | undefined): 'v1' | 'v2' | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (value === 'v1' || value === '1') return 'v1';
  if (value === 'v2' || value === '2') return 'v2';
  throw new DocklabError('DOCKLAB_USAGE', `DOCKLAB_COMPOSE=${value}: say v1, v2 or auto`);
}

async function composeV2(): Promise<Omit<ComposeTool, 'reason'> | undefined> {
  const { execa } = await import('execa');
  const plugin = await execa('docker', ['compose', 'version', '--short'], { reject: false, timeout: 10_000 }).catch(() => undefined);
  const version = plugin?.exitCode === 0 ? plugin.stdout.trim().replace(/^v/, '') : '';
  // Some installs answer `docker compose` with v1 (a shim): only a 2.x or later counts as v2.
  if (!/^[2-9]\.|^\d{2,}\./.test(version)) return undefined;
  return { command: 'docker', prefix: ['compose'], version, display: 'docker compose', generation: 2 };
}

async function composeV1(): Promise<Omit<ComposeTool, 'reason'> | undefined> {
  const { execa } = await import('execa');
  const standalone = await execa('docker-compose', ['version', '--short'], { reject: false, timeout: 10_000 }).catch(() => undefined);
  if (standalone?.exitCode !== 0 || !standalone.stdout.trim()) return undefined;
  const version = standalone.stdout.trim();
  return { command: 'docker-compose', prefix: [], version, display: 'docker-compose', generation: version.startsWith('1.') ? 1 : 2 };
}
