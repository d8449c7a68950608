import type Docker from 'dockerode';

export type BuilderKind = 'buildkit' | 'legacy';

export interface BuilderChoice {
  kind: BuilderKind;
  /** Why, in a few words: shown in build logs and by `docklab doctor`. */
  reason: string;
}

/** BuildKit through the Engine API needs API 1.39 (Docker 18.09) on a Linux engine. */
const BUILDKIT_MIN_API = [1, 39] as const;

let decided: Promise<BuilderChoice> | undefined;
let fellBack: BuilderChoice | undefined;

/**
 * BuildKit, as `docker build` uses by default since Docker 23, unless the
 * engine lacks it; DOCKER_BUILDKIT=0 asks for the legacy builder, as it
 * does of the Docker CLI. Decided once per process.
 */
export function chooseBuilder(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<BuilderChoice> {
  if (fellBack) return Promise.resolve(fellBack);
  decided ??= (async () => {
    const fromEnv = builderFromEnv(env);
    if (fromEnv) return fromEnv;
    const version = (await docker.version().catch(() => undefined)) as { ApiVersion?: string; Os?: string } | undefined;
    return builderForEngine(version?.ApiVersion, version?.Os);
  })();
  return decided;
}

export function builderFromEnv(env: NodeJS.ProcessEnv): BuilderChoice | undefined {
  const value = env.DOCKER_BUILDKIT?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (['0', 'false', 'no', 'off'].includes(value)) return { kind: 'legacy', reason: 'DOCKER_BUILDKIT=0 asks for the legacy builder' };
  return { kind: 'buildkit', reason: `DOCKER_BUILDKIT=${env.DOCKER_BUILDKIT}` };
}

export function builderForEngine(apiVersion: string | undefined, os: string | undefined): BuilderChoice {
  const [major, minor] = (apiVersion ?? '0.0').split('.').map(Number) as [number, number];
  const recent = major > BUILDKIT_MIN_API[0] || (major === BUILDKIT_MIN_API[0] && minor >= BUILDKIT_MIN_API[1]);
  if (!recent) return { kind: 'legacy', reason: `the engine's API ${apiVersion ?? 'unknown'} predates BuildKit (1.39); building with the legacy builder` };
  if (os && os !== 'linux') return { kind: 'legacy', reason: `BuildKit is not available on ${os} engines; building with the legacy builder` };
  return { kind: 'buildkit', reason: `engine API ${apiVersion} on ${os ?? 'linux'}` };
}

/** The engine refused a BuildKit build as such: use the legacy builder for the rest of the process. */
export function fallBackToLegacy(engineSaid: string): BuilderChoice {
  fellBack = { kind: 'legacy', reason: `the engine has no BuildKit (${engineSaid.trim().slice(0, 120)}); building with the legacy builder` };
  return fellBack;
}

/** Whether an engine error means "BuildKit is not available here" rather than "this Dockerfile failed". */
export function meansNoBuildkit(message: string): boolean {
  return /buildkit not supported|not supported by daemon|unknown builder version|session not supported|builder version .* not supported/i.test(message);
}

/** For tests: forget the choice. */
export function resetBuilderChoice(): void {
  decided = undefined;
  fellBack = undefined;
}
