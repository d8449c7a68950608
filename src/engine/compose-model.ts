import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ComposeTool } from './compose.js';
import type { ComposeFile, ComposeService } from './compose-file-types.js';

/** The services, networks and volumes of a project as the compose tool resolves them (includes, extends, profiles applied). */
export interface ResolvedModel {
  services: Record<string, Record<string, unknown>>;
  networks: string[];
  volumes: string[];
}

/** Whether the file pulls in other files with a top-level `include:` (Compose v2.20 and later). */
export function usesInclude(path: string): boolean {
  try {
    const data = parse(readFileSync(path, 'utf8')) as Record<string, unknown> | null;
    return Array.isArray(data?.include) && data.include.length > 0;
  } catch {
    return false;
  }
}

/**
 * Asks Compose v2 for the project as it will run it (`config --format json`),
 * so that services defined in included files are judged and labelled like
 * the file's own. Undefined when the tool cannot say (v1, or a file it
 * refuses: `up` then reports why).
 */
export async function resolvedModel(tool: ComposeTool, path: string, signal?: AbortSignal): Promise<ResolvedModel | undefined> {
  if (tool.generation !== 2) return undefined;
  // execa is loaded when a Compose tool first runs: labs without Compose do not pay its start-up.
  const { execa } = await import('execa');
  const result = await execa(tool.command, [...tool.prefix, '-f', path, 'config', '--format', 'json'], {
    cwd: dirname(path),
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
    cancelSignal: signal,
    env: { DOCKER_CLI_HINTS: 'false' },
  });
  if (result.exitCode !== 0) return undefined;
  try {
    const model = JSON.parse(String(result.stdout)) as {
      services?: Record<string, Record<string, unknown>>;
      networks?: Record<string, { external?: unknown }>;
      volumes?: Record<string, { external?: unknown }>;
    };
    const own = (section: Record<string, { external?: unknown }> | undefined) =>
      Object.entries(section ?? {})
        .filter(([, v]) => !v?.external)
        .map(([k]) => k);
    return { services: model.services ?? {}, networks: own(model.networks), volumes: own(model.volumes) };
  } catch {
    return undefined;
  }
}

/** Adds to what docklab read of the file the services, networks and volumes that come from its included files. */
export function addIncluded(file: ComposeFile, model: ResolvedModel): void {
  for (const [name, service] of Object.entries(model.services)) {
    if (!(name in file.services)) file.services[name] = service as ComposeService;
  }
  for (const network of model.networks) if (network !== 'default' && !file.networks.includes(network)) file.networks.push(network);
  for (const volume of model.volumes) if (!file.volumes.includes(volume)) file.volumes.push(volume);
}

/** The text of the Dockerfile a service builds from (`build: DIR` or `build: { context, dockerfile }`), when it can be read. */
export function dockerfileTextOf(service: ComposeService, projectDir: string): string | undefined {
  const build = service.build;
  const context =
    typeof build === 'string' ? build : typeof build === 'object' && build !== null ? String((build as { context?: unknown }).context ?? '.') : undefined;
  if (context === undefined || /^[a-z]+:\/\//i.test(context) || context.startsWith('git@')) return undefined;
  const dockerfile = typeof build === 'object' && build !== null ? (build as { dockerfile?: unknown }).dockerfile : undefined;
  const contextDir = resolve(projectDir, context);
  try {
    return readFileSync(resolve(contextDir, typeof dockerfile === 'string' ? dockerfile : defaultDockerfileName(contextDir)), 'utf8');
  } catch {
    return undefined;
  }
}

function defaultDockerfileName(dir: string): string {
  return !existsSync(resolve(dir, 'Dockerfile')) && existsSync(resolve(dir, 'dockerfile')) ? 'dockerfile' : 'Dockerfile';
}
