import { buildGoBinary, removeStaleBuildLeftovers, type GoBinaryOptions, type GoBinarySpec } from './go-binary-build.js';
import { installPlugin, pluginDir, pluginVersion } from './docker-cli-plugins.js';

/**
 * The tools real Docker ships beside the engine, built here from their Go
 * modules because Debian's docker.io 20.10 has neither: Compose v2 (what
 * `docker compose` is today; Debian's docker-compose is v1, end-of-life) and
 * buildx (what `docker build` uses for BuildKit, and what Compose v2 hands
 * its builds to). Versions are pinned: buildx at the version Compose itself
 * is built against.
 */
export const COMPOSE_V2: GoBinarySpec = {
  name: 'docker-compose',
  module: 'github.com/docker/compose/v2',
  version: 'v2.40.3',
  mainPackage: './cmd',
  versionVariables: { 'github.com/docker/compose/v2/internal.Version': 'v2.40.3' },
};

export const BUILDX: GoBinarySpec = {
  name: 'docker-buildx',
  module: 'github.com/docker/buildx',
  version: 'v0.29.1',
  mainPackage: './cmd/buildx',
  versionVariables: { 'github.com/docker/buildx/version.Version': 'v0.29.1', 'github.com/docker/buildx/version.Package': 'github.com/docker/buildx' },
};

export type PluginName = 'compose' | 'buildx';

export interface PluginOutcome {
  plugin: PluginName;
  /** present: a working plugin was already there (ours or the machine's); installed: built or taken from the cache, then installed. */
  status: 'present' | 'installed';
  version: string;
  /** Where it was installed (installed only). */
  path?: string;
  /** Whether this call compiled it (false: the cached binary was used). */
  built?: boolean;
  durationMs: number;
}

const SPECS: Record<PluginName, GoBinarySpec> = { compose: COMPOSE_V2, buildx: BUILDX };

/** The lowest major version that counts as present: Compose 2 (v1 is another program), any buildx. */
function goodEnough(plugin: PluginName, version: string | undefined): version is string {
  if (!version) return false;
  return plugin === 'compose' ? Number(version.split('.')[0]) >= 2 : true;
}

/**
 * Makes `docker <plugin>` answer: leaves a working one alone, else builds
 * (or takes from the cache) and installs ours. The cache makes a warm
 * machine's call take as long as one `docker <plugin> version`.
 */
export async function ensurePlugin(plugin: PluginName, options: GoBinaryOptions = {}): Promise<PluginOutcome> {
  const started = Date.now();
  const spec = SPECS[plugin];
  const before = await pluginVersion(plugin);
  if (goodEnough(plugin, before)) return { plugin, status: 'present', version: before, durationMs: Date.now() - started };
  removeStaleBuildLeftovers();
  const binary = await buildGoBinary(spec, options);
  const path = installPlugin(plugin, binary.path, pluginDir());
  const after = await pluginVersion(plugin);
  if (!goodEnough(plugin, after)) {
    const { DocklabError } = await import('../errors.js');
    throw new DocklabError(
      'DOCKLAB_SETUP_FAILED',
      `installed ${path}, but \`docker ${plugin} version\` does not answer; another docker-${plugin} earlier in the Docker CLI's plugin folders may hide it`,
    );
  }
  return { plugin, status: 'installed', version: after, path, built: binary.built, durationMs: Date.now() - started };
}
