import type Docker from 'dockerode';
import { rmSync } from 'node:fs';
import { assembleContext, entryExists } from '../lab-kit/source-files.js';
import type { ScenarioOutcome } from '../lab-kit/scenario/scenario-outcome.js';
import { join } from 'node:path';
import { CheckFailure, type CheckDefinition } from '../lab-kit/check.js';
import type { BuildOptions, CheckContext, ContainerSpec, HttpAnswer, HttpRequestOptions, LabMode } from '../lab-kit/check-context.js';
import { execIn, logTail, type ExecResult } from '../engine/container-io.js';
import type { Engine } from '../engine/engine.js';
import { assertPortFree, portConflict, portInUseError } from '../engine/host-port.js';
import { keepLayersAsCache, recordLayer, runTempDir } from '../engine/run-folder.js';
import { currentSignal } from '../util/ambient-signal.js';
import { LABEL, labelsFor, resourceName } from '../engine/labels.js';
import { buildImage, type BuildResult } from '../images/image-build.js';
import { egressProxyForBuilds } from '../images/egress-proxy.js';
import { dockerfileText, fromImages, provisionNeeded } from '../images/from-images.js';
import type { Lab } from './lab-definition.js';
import { planRun } from './run-plan.js';

export type { BuildOptions, ContainerSpec, HttpAnswer, LabMode } from '../lab-kit/check-context.js';
export { assembleContext, entryExists } from '../lab-kit/source-files.js';

/**
 * Everything a lab's setup and checks may touch: the engine, the folder they
 * judge, and helpers that label and name every resource after this run, so
 * that teardown and the reaper find it.
 */
export class LabContext implements CheckContext {
  readonly docker: Docker;
  /** What passed checks (and a lab's set-up) handed on with passWith, by id: ctx.get reads them. */
  readonly handles = new Map<string, unknown>();
  /** What the folder's scenario made, set once it has run. */
  scenario: ScenarioOutcome | undefined;
  private readonly lines: string[] = [];

  constructor(
    readonly engine: Engine,
    readonly lab: Lab,
    readonly mode: LabMode,
    readonly runId: string,
    /** The folder judged: solution/, broken/<case>/ or the learner's. Undefined for a state-only verify. */
    readonly sourceDir: string | undefined,
    readonly options: { keep?: boolean; labOptions?: Record<string, string | undefined>; onLine?: (line: string) => void; signal?: AbortSignal } = {},
  ) {
    this.docker = engine.docker;
  }

  get labId(): string {
    return this.lab.id;
  }

  get engineAddress(): string {
    return this.engine.endpoint.address;
  }

  /** A lab option's value as given on the command line, else its declared default. */
  option(name: string): string | undefined {
    const declared = this.lab.definition.options?.find((o) => o.name === name);
    if (!declared) throw new Error(`lab ${this.lab.id} reads option '${name}', which its defineLab does not declare`);
    return this.options.labOptions?.[name] ?? declared.default;
  }

  get<T>(check: CheckDefinition<T> | string): T {
    const id = typeof check === 'string' ? check : check.id;
    if (!this.handles.has(id))
      throw new Error(`check '${id}' handed nothing on: it must pass (with passWith) before a check that reads it, and be in its dependsOn`);
    return this.handles.get(id) as T;
  }

  /** True when docklab itself made what is judged; false when the learner's engine state is judged. */
  get docklabMadeIt(): boolean {
    return planRun(this.lab.definition, { mode: this.mode }).judges === 'run';
  }

  /**
   * The signal of what is running now (a check with its time limit, or the
   * run): aborted when it must stop. Every helper below honours it.
   */
  get signal(): AbortSignal | undefined {
    return currentSignal() ?? this.options.signal;
  }

  private stopIfAborted(): void {
    this.signal?.throwIfAborted();
  }

  /** A fresh folder for temporary files, inside this run's own: teardown and the reaper remove it. */
  tempDir(prefix: string): string {
    return runTempDir(this.runId, prefix);
  }

  labels(extra: Record<string, string> = {}): Record<string, string> {
    return { ...labelsFor({ lab: this.lab.id, run: this.runId, keep: this.options.keep }), ...extra };
  }

  name(what: string): string {
    return resourceName(this.lab.id, this.runId, what);
  }

  /**
   * The reference to an image the task names: the name itself when the
   * learner's engine state is judged; a name of this run's own when docklab
   * builds it, so a learner's image of that name is never overwritten.
   */
  imageName(name: string, tag = 'latest'): string {
    return this.docklabMadeIt ? `docklab-${this.lab.id}-${this.runId}/${name}:${tag}` : `${name}:${tag}`;
  }

  sourcePath(...parts: string[]): string {
    if (!this.sourceDir) throw new Error(`lab ${this.lab.id}: no source folder in this mode`);
    return join(this.sourceDir, ...parts);
  }

  /** True when the entry exists, even as a symlink that leads nowhere (the build judges it, not this). */
  hasSourceFile(...parts: string[]): boolean {
    return this.sourceDir !== undefined && entryExists(join(this.sourceDir, ...parts));
  }

  log(line: string): void {
    this.lines.push(line);
    this.options.onLine?.(line);
  }

  get output(): readonly string[] {
    return this.lines;
  }

  async build(options: BuildOptions): Promise<BuildResult & { ref: string }> {
    const ref = this.imageName(options.name, options.tag);
    const source = options.dir ? (options.dir.startsWith('/') ? options.dir : this.sourcePath(options.dir)) : this.sourcePath();
    this.stopIfAborted();
    const egress = await egressProxyForBuilds();
    const assembled =
      this.mode === 'run' && this.lab.definition.templates?.length
        ? assembleContext(this.lab.definition.templates, source, this.tempDir('context'))
        : undefined;
    const dir = assembled ?? source;
    try {
      // A catalog image named by FROM is provisioned (pulled or its stand-in built) before the builder asks a registry for it.
      await provisionNeeded(this.docker, fromImages(dockerfileText(dir, options.dockerfile) ?? '', options.buildArgs), {
        onLine: (line) => this.log(line),
        signal: this.signal,
      });
      const result = await buildImage(this.docker, {
        contextDir: dir,
        tag: ref,
        dockerfile: options.dockerfile,
        buildArgs: { ...egress.buildArgs, ...options.buildArgs },
        networkMode: egress.networkMode,
        labels: this.labels(),
        noCache: options.noCache,
        logName: `lab${this.lab.id}-${options.name}`,
        scratchDir: () => this.tempDir('build-context'),
        signal: this.signal,
        onLayer: (id) => recordLayer(this.runId, id),
        onFinished: (ids) => keepLayersAsCache(this.runId, ids),
        onWarning: (line) => this.log(line),
      });
      return { ...result, ref };
    } finally {
      await egress.close();
      if (assembled) rmSync(assembled, { recursive: true, force: true });
    }
  }

  async runContainer(spec: ContainerSpec): Promise<Docker.Container> {
    const exposed: Record<string, object> = {};
    const bindings: Docker.PortMap = {};
    for (const [containerPort, hostPort] of Object.entries(spec.ports ?? {})) {
      const key = containerPort.includes('/') ? containerPort : `${containerPort}/tcp`;
      this.stopIfAborted();
      if (hostPort !== 0 && this.lab.definition.prescribedPorts?.includes(hostPort)) await assertPortFree(this.docker, hostPort);
      exposed[key] = {};
      bindings[key] = [{ HostIp: '127.0.0.1', HostPort: hostPort === 0 ? '' : String(hostPort) }];
    }
    this.stopIfAborted();
    const container = await this.docker.createContainer({
      name: this.name(spec.name),
      Image: spec.image,
      Cmd: spec.cmd,
      Entrypoint: spec.entrypoint,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ExposedPorts: exposed,
      Tty: spec.tty,
      OpenStdin: spec.openStdin,
      StdinOnce: spec.stdinOnce,
      ...(spec.attachStreams ? { AttachStdin: Boolean(spec.openStdin), AttachStdout: true, AttachStderr: true } : {}),
      User: spec.user,
      Labels: this.labels(spec.labels),
      Healthcheck: spec.healthcheck,
      HostConfig: { PortBindings: bindings, Binds: spec.binds, NetworkMode: spec.network, ...spec.hostConfig },
      NetworkingConfig: spec.network && spec.networkAliases ? { EndpointsConfig: { [spec.network]: { Aliases: spec.networkAliases } } } : undefined,
    });
    if (spec.start === false) return container;
    try {
      this.stopIfAborted();
      await container.start();
    } catch (error) {
      // Two runs racing for a prescribed port: the engine refuses the second; name who holds it.
      const port = portConflict(error);
      if (port === undefined) throw error;
      await container.remove({ force: true }).catch(() => undefined);
      throw await portInUseError(this.docker, port, { exclude: container.id });
    }
    return container;
  }

  /** Tags of images the run did not make (`docker tag nginx web-server:v1`): removed at its end, the images kept. */
  readonly foreignTags: string[] = [];

  async tagImage(source: string, name: string, tag = 'latest'): Promise<string> {
    const ref = this.imageName(name, tag);
    const target = ref.slice(0, ref.lastIndexOf(':'));
    this.stopIfAborted();
    await this.docker.getImage(source).tag({ repo: target, tag });
    this.foreignTags.push(ref);
    return ref;
  }

  /** Removes the tags tagImage added (only the names: the images stay, as `docker rmi` of one of several tags does). */
  async untagForeign(): Promise<void> {
    for (const ref of this.foreignTags.splice(0))
      await this.docker
        .getImage(ref)
        .remove({ noprune: true })
        .catch(() => undefined);
  }

  async createNetwork(what: string, options: { subnet?: string } = {}): Promise<string> {
    const name = this.name(what);
    this.stopIfAborted();
    const ipam = options.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: options.subnet }] } } : {};
    await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: this.labels(), ...ipam });
    return name;
  }

  async createVolume(what: string): Promise<string> {
    const name = this.name(what);
    this.stopIfAborted();
    await this.docker.createVolume({ Name: name, Labels: this.labels() });
    return name;
  }

  /** The host port a container port is published on, or undefined. */
  async hostPort(containerId: string, containerPort: string): Promise<number | undefined> {
    const key = containerPort.includes('/') ? containerPort : `${containerPort}/tcp`;
    const info = await this.docker.getContainer(containerId).inspect();
    const binding = info.NetworkSettings.Ports?.[key]?.[0];
    return binding?.HostPort ? Number(binding.HostPort) : undefined;
  }

  /**
   * Containers the checks judge: in run mode (and for files evidence) only
   * this run's; in a state verify, every container on the engine.
   */
  async containers(filter: { image?: RegExp; name?: string; all?: boolean } = {}): Promise<Docker.ContainerInfo[]> {
    const filters: Record<string, string[]> = {};
    if (this.docklabMadeIt) filters.label = [`${LABEL.run}=${this.runId}`];
    const list = await this.docker.listContainers({ all: filter.all ?? true, filters: JSON.stringify(filters) });
    return list.filter(
      (c) =>
        (!filter.image || filter.image.test(c.Image)) &&
        (!filter.name || c.Names.some((n) => n.replace(/^\//, '') === filter.name || n.replace(/^\//, '') === this.name(filter.name!))),
    );
  }

  exec(containerId: string, cmd: string[], options: { user?: string; env?: string[] } = {}): Promise<ExecResult> {
    this.stopIfAborted();
    return execIn(this.docker, containerId, cmd, options);
  }

  logTail(containerId: string, lines = 15): Promise<string[]> {
    this.stopIfAborted();
    return logTail(this.docker, containerId, lines);
  }

  /** One HTTP request; a refused or reset connection is an answer too (status 0), not an exception. */
  async http(url: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
    this.stopIfAborted();
    try {
      const { request } = await import('undici');
      const response = await request(url, {
        method: (options.method ?? 'GET') as never,
        headers: options.headers,
        body: options.body,
        headersTimeout: options.timeoutMs ?? 5_000,
        bodyTimeout: options.timeoutMs ?? 5_000,
        signal: this.signal,
      });
      return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
    } catch (error) {
      return { status: 0, headers: {}, body: (error as { code?: string }).code ?? (error as Error).message };
    }
  }

  /** Ends the current check as a failure from inside a helper. */
  failWith(expected: string, found: string, hint: string, details: string[] = []): never {
    throw new CheckFailure(expected, found, hint, details);
  }
}
