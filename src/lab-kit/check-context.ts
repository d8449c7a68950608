import type Docker from 'dockerode';
import type { ExecResult } from '../engine/container-io.js';
import type { BuildResult } from '../images/image-build.js';
import type { CheckOutcome } from './check-outcome.js';
import type { ScenarioOutcome } from './scenario/scenario-outcome.js';

export type LabMode = 'run' | 'verify';

/** A container as a lab asks for it; ports map container port → host port (0: any free port). */
export interface ContainerSpec {
  /** A short role name: "web" becomes docklab-02-<run>-web. */
  name: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  ports?: Record<string, number>;
  /** "volume-or-host-path:/container/path[:ro]" */
  binds?: string[];
  network?: string;
  networkAliases?: string[];
  user?: string;
  tty?: boolean;
  openStdin?: boolean;
  stdinOnce?: boolean;
  /** False: the container's output streams were attached to a terminal (`docker run` without -d). */
  attachStreams?: boolean;
  labels?: Record<string, string>;
  hostConfig?: Docker.HostConfig;
  healthcheck?: Docker.ContainerCreateOptions['Healthcheck'];
  /** Start it (default) or only create it. */
  start?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface BuildOptions {
  /** The image's short name: "my-node-app". */
  name: string;
  tag?: string;
  /** Folder to build, relative to sourceDir unless absolute. Default: sourceDir. */
  dir?: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  noCache?: boolean;
}

/** A lab's own command-line option (`--lb`, `--registry`), declared in its defineLab. */
export type LabOptionValues = Readonly<Record<string, string | undefined>>;

/**
 * What a check (and a lab's setup) may use: the engine, the folder judged,
 * helpers that label and name every resource after the run, the values
 * earlier checks handed on, and the signal of the work in progress. Nothing
 * else of docklab's: a check written against this runs under `run`,
 * `verify` and `verify --all` alike.
 */
export interface CheckContext {
  readonly docker: Docker;
  /** Where the engine was found (a socket path or a URL), for reports. */
  readonly engineAddress: string;
  readonly mode: LabMode;
  /** The lab's two-digit id ("03"), as resource names carry it. */
  readonly labId: string;
  readonly runId: string;
  /** The folder judged: solution/, broken/<case>/ or the learner's. Undefined for a state-only verify. */
  readonly sourceDir: string | undefined;
  /** True when docklab itself made what is judged; false when the learner's engine state is judged. */
  readonly docklabMadeIt: boolean;
  /** What the folder's scenario.yaml made, by its names; undefined when no scenario ran (a state verify). */
  readonly scenario: ScenarioOutcome | undefined;
  /** The signal of what is running now: aborted when it must stop. Every helper honours it. */
  readonly signal: AbortSignal | undefined;
  /** The value of one of the lab's own command-line options (declared in defineLab's `options`). */
  option(name: string): string | undefined;
  /** What an earlier check handed on with passWith. Checks that use it list that check in dependsOn. */
  get<T>(check: { id: string; run(ctx: never): Promise<CheckOutcome<T>> } | string): T;
  sourcePath(...parts: string[]): string;
  hasSourceFile(...parts: string[]): boolean;
  tempDir(prefix: string): string;
  log(line: string): void;
  imageName(name: string, tag?: string): string;
  name(what: string): string;
  labels(extra?: Record<string, string>): Record<string, string>;
  build(options: BuildOptions): Promise<BuildResult & { ref: string }>;
  runContainer(spec: ContainerSpec): Promise<Docker.Container>;
  /** `docker tag SOURCE NAME:TAG` under the run's name for NAME; the run removes the tag at its end. Returns the run's ref. */
  tagImage(source: string, name: string, tag?: string): Promise<string>;
  /** A bridge network of the run; `subnet` fixes its addresses (`--subnet`), as a scenario may. */
  createNetwork(what: string, options?: { subnet?: string }): Promise<string>;
  createVolume(what: string): Promise<string>;
  hostPort(containerId: string, containerPort: string): Promise<number | undefined>;
  containers(filter?: { image?: RegExp; name?: string; all?: boolean }): Promise<Docker.ContainerInfo[]>;
  exec(containerId: string, cmd: string[], options?: { user?: string; env?: string[] }): Promise<ExecResult>;
  logTail(containerId: string, lines?: number): Promise<string[]>;
  http(url: string, options?: HttpRequestOptions): Promise<HttpAnswer>;
  failWith(expected: string, found: string, hint: string, details?: string[]): never;
}
