import { readFileSync } from 'node:fs';
import { DocklabError } from '../errors.js';

/**
 * What the official image has, taken from its Dockerfile and entry point:
 * the paths, users and tools it holds (and notable ones it does not), its
 * configuration and how its entry point treats arguments. A stand-in is held
 * against this so that it is neither poorer (a learner's `curl` health check
 * fails) nor richer (a config that includes a file the official image lacks
 * starts here and fails there) than the image it stands in for.
 */
export interface StandInManifest {
  /** The official image and variant the facts come from. */
  official: string;
  paths?: { present?: string[]; absent?: string[] };
  users?: { present?: ManifestUser[]; absent?: string[] };
  /** Commands looked up on the image's PATH, as a shell would. */
  tools?: { present?: string[]; absent?: string[] };
  config?: ManifestConfig;
  /** Containers started from the image with these arguments, and what they must print or return. */
  runs?: ManifestRun[];
  /** Known, stated differences from the official image (shown, never checked). */
  differences?: string[];
}

export interface ManifestUser {
  name: string;
  uid?: number;
  gid?: number;
}

export interface ManifestConfig {
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  /** "" for root by default. */
  user?: string;
  workdir?: string;
  stopSignal?: string;
  exposedPorts?: string[];
  volumes?: string[];
  /** Variables that must be set to these values; a value of null only requires the name. */
  env?: Record<string, string | null>;
}

export interface ManifestRun {
  /** What it shows: "node:18 app.js runs node app.js". */
  title: string;
  args: string[];
  env?: string[];
  exitCode?: number;
  /** A regular expression the combined output must match. */
  output?: string;
}

export function readManifest(path: string): StandInManifest {
  let manifest: StandInManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as StandInManifest;
  } catch (error) {
    throw new DocklabError('DOCKLAB_INTERNAL', `${path} is not a readable manifest: ${(error as Error).message}`);
  }
  if (typeof manifest.official !== 'string' || manifest.official === '') {
    throw new DocklabError('DOCKLAB_INTERNAL', `${path} needs "official": the image and variant its facts come from`);
  }
  return manifest;
}

/** The image's configuration as the engine reports it. */
export interface ImageConfigFacts {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  User?: string;
  WorkingDir?: string;
  StopSignal?: string;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Env?: string[] | null;
}

/** Compares an image's configuration with the manifest's; one line per difference. */
export function configDifferences(expected: ManifestConfig | undefined, actual: ImageConfigFacts): string[] {
  if (!expected) return [];
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (expected.entrypoint !== undefined && !same(expected.entrypoint, emptyToNull(actual.Entrypoint))) {
    out.push(`entrypoint: expected ${JSON.stringify(expected.entrypoint)}, found ${JSON.stringify(actual.Entrypoint ?? null)}`);
  }
  if (expected.cmd !== undefined && !same(expected.cmd, emptyToNull(actual.Cmd))) {
    out.push(`cmd: expected ${JSON.stringify(expected.cmd)}, found ${JSON.stringify(actual.Cmd ?? null)}`);
  }
  if (expected.user !== undefined && expected.user !== (actual.User ?? '')) out.push(`user: expected "${expected.user}", found "${actual.User ?? ''}"`);
  if (expected.workdir !== undefined && expected.workdir !== (actual.WorkingDir ?? '')) {
    out.push(`workdir: expected "${expected.workdir}", found "${actual.WorkingDir ?? ''}"`);
  }
  if (expected.stopSignal !== undefined && expected.stopSignal !== (actual.StopSignal ?? '')) {
    out.push(`stop signal: expected ${expected.stopSignal || 'the default'}, found ${actual.StopSignal || 'the default'}`);
  }
  const keys = (o: Record<string, object> | null | undefined) => Object.keys(o ?? {}).sort();
  if (expected.exposedPorts !== undefined && !same([...expected.exposedPorts].sort(), keys(actual.ExposedPorts))) {
    out.push(`exposed ports: expected ${expected.exposedPorts.join(', ') || 'none'}, found ${keys(actual.ExposedPorts).join(', ') || 'none'}`);
  }
  if (expected.volumes !== undefined && !same([...expected.volumes].sort(), keys(actual.Volumes))) {
    out.push(`volumes: expected ${expected.volumes.join(', ') || 'none'}, found ${keys(actual.Volumes).join(', ') || 'none'}`);
  }
  const env = new Map((actual.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const));
  for (const [name, value] of Object.entries(expected.env ?? {})) {
    if (!env.has(name)) out.push(`env: ${name} is not set`);
    else if (value !== null && env.get(name) !== value) out.push(`env: ${name} expected "${value}", found "${env.get(name)}"`);
  }
  return out;
}

function emptyToNull(list: string[] | null | undefined): string[] | null {
  return list && list.length > 0 ? list : null;
}

/** The users of an /etc/passwd text: name → uid, gid. */
export function parsePasswd(text: string): Map<string, { uid: number; gid: number }> {
  const users = new Map<string, { uid: number; gid: number }>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 4 && fields[0]) users.set(fields[0], { uid: Number(fields[2]), gid: Number(fields[3]) });
  }
  return users;
}

/** Compares users with the manifest's; one line per difference. */
export function userDifferences(expected: StandInManifest['users'], passwd: string | undefined): string[] {
  if (!expected) return [];
  const users = parsePasswd(passwd ?? '');
  const out: string[] = [];
  for (const user of expected.present ?? []) {
    const found = users.get(user.name);
    if (!found) out.push(`user ${user.name}: missing`);
    else if ((user.uid !== undefined && found.uid !== user.uid) || (user.gid !== undefined && found.gid !== user.gid)) {
      out.push(`user ${user.name}: expected uid/gid ${user.uid ?? '*'}/${user.gid ?? '*'}, found ${found.uid}/${found.gid}`);
    }
  }
  for (const name of expected.absent ?? []) if (users.has(name)) out.push(`user ${name}: present, but the official image has no such user`);
  return out;
}

/** The directories a shell searches, from the image's PATH (the engine's default when it sets none). */
export function searchPath(env: string[] | null | undefined): string[] {
  const path = (env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return path.split(':').filter(Boolean);
}
