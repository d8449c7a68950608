import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { parseDocument, stringify, type YAMLError } from 'yaml';
import { ExpectationFailure as CheckFailure } from '../util/expectation-failure.js';
import { DocklabError } from '../errors.js';
import { findComposeTool, type ComposeTool } from './compose.js';
import { COMPOSE_FILE_NAMES, describeComposeChoice, findComposeFile, type FoundComposeFile } from './compose-file-finder.js';
import { addIncluded, dockerfileTextOf, resolvedModel, usesInclude } from './compose-model.js';
import { mergeOverride } from './compose-override.js';
import { frontendFor, frontendPresent } from '../images/dockerfile-frontend.js';
import { LABEL } from './labels.js';
import type { ComposeFile, ComposeService } from './compose-file-types.js';
import { composeImages, provisionNeeded } from '../images/from-images.js';

/**
 * What a compose project needs of the run it belongs to: the engine, names
 * and labels of the run, its folders and its signal. The engine layer knows
 * no more of labs than this.
 */
export interface ComposeRunContext {
  readonly docker: Docker;
  readonly labId: string;
  readonly runId: string;
  readonly signal: AbortSignal | undefined;
  sourcePath(...parts: string[]): string;
  tempDir(prefix: string): string;
  labels(extra?: Record<string, string>): Record<string, string>;
  log(line: string): void;
}

export type { ComposeFile, ComposeService } from './compose-file-types.js';

const COMPOSE_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';
/** The projects each run opened, to bring down at its end: kept here, by the run's context, not in the run's own values. */
const openedBy = new WeakMap<ComposeRunContext, ComposeProject[]>();

/** Our own words for the parser's error codes: what went wrong on the line. */
const YAML_PROBLEMS: Record<string, string> = {
  TAB_AS_INDENT: 'a tab is used for indentation; YAML indents with spaces only',
  BAD_INDENT: 'the indentation does not line up with the lines around it',
  BLOCK_AS_IMPLICIT_KEY: 'a key is followed by more on the same line than YAML allows (a missing colon or space after a colon?)',
  DUPLICATE_KEY: 'the same key appears twice in one mapping',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line (a missing colon on the line before?)',
  UNEXPECTED_TOKEN: 'a character appears where YAML does not allow it',
  BAD_DQ_ESCAPE: 'a backslash escape inside double quotes is not valid',
  ALIAS_PROPS: 'an alias (*name) cannot carry a tag or anchor',
  BAD_ALIAS: 'an alias (*name) refers to no anchor',
};

/**
 * Reads a compose file with the `yaml` parser first, so that a syntax error
 * is reported with its line and column in words a learner can act on,
 * before the compose tool prints its own stack of parser jargon.
 */
export function readComposeFile(path: string): ComposeFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const folder = existsSync(path) && statSync(path).isDirectory();
    throw new CheckFailure(
      `a compose file at ${path}`,
      folder ? 'a folder of that name' : 'no such file',
      `name it compose.yaml (or ${COMPOSE_FILE_NAMES.slice(1).join(', ')}), in the folder you verify`,
    );
  }
  const lines = text.split('\n');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const reported = first.linePos?.[0]?.line;
    // The parser often reports a line deeper than the key above it one line
    // early (as a value that runs on); name the deeper line itself.
    const deeper = reported ? overIndentedAfter(lines, reported) : undefined;
    const line = deeper ?? reported;
    const column = deeper ? undefined : first.linePos?.[0]?.col;
    const where = line ? `line ${line}${column ? `, column ${column}` : ''}` : 'an unknown line';
    const shown = line ? [line > 1 ? `${line - 1} | ${lines[line - 2] ?? ''}` : '', `${line} | ${lines[line - 1] ?? ''}`] : [];
    const problem = deeper
      ? `it is indented deeper than the line above it, whose key already has a value (${JSON.stringify(lines[deeper - 2]!.trim())})`
      : problemOf(first);
    throw new CheckFailure(
      `${shortName(path)} readable as YAML`,
      `a YAML syntax error at ${where}: ${problem}`,
      'YAML nests by indentation with spaces: keys at the same level start in the same column, and each key is followed by a colon and a space. Fix that line (or the one above it) and verify again',
      [...shown, ...(deeper ? [] : doc.errors.slice(1, 3).map((e) => `also at line ${e.linePos?.[0]?.line ?? '?'}: ${problemOf(e)}`))].filter(Boolean),
    );
  }
  const data = doc.toJS() as unknown;
  if (!isRecord(data)) {
    throw new CheckFailure(
      `${shortName(path)} holding a mapping with a services: key`,
      data === null || data === undefined ? 'an empty file' : `a YAML ${Array.isArray(data) ? 'list' : typeof data} at the top`,
      'the file starts with `services:` and, indented under it, one key per service',
    );
  }
  const services = data.services;
  if (!isRecord(services) || Object.keys(services).length === 0) {
    throw new CheckFailure(
      `a services: mapping in ${shortName(path)}`,
      isRecord(services) ? 'services: with no service in it' : `top-level keys: ${Object.keys(data).join(', ') || 'none'}`,
      'put each service under `services:`, indented, e.g. `services:` / `  web:` / `    image: nginx`',
    );
  }
  for (const [name, service] of Object.entries(services)) {
    if (!isRecord(service)) {
      throw new CheckFailure(
        `service '${name}' to be a mapping of settings`,
        `'${name}: ${JSON.stringify(service)}'`,
        `indent the service's settings (image:, ports:, …) under '${name}:'`,
      );
    }
  }
  const declared = (section: unknown): string[] =>
    isRecord(section)
      ? Object.entries(section)
          .filter(([, v]) => !(isRecord(v) && v.external))
          .map(([k]) => k)
      : [];
  return {
    path,
    version: data.version === undefined ? undefined : String(data.version),
    services: services as Record<string, ComposeService>,
    networks: declared(data.networks),
    volumes: declared(data.volumes),
  };
}

/** The services of a file whose image is one of the names (any tag), or that build an image when `build` is true. */
export function servicesUsing(file: ComposeFile, image: RegExp): string[] {
  return Object.entries(file.services)
    .filter(([, s]) => typeof s.image === 'string' && image.test(s.image))
    .map(([name]) => name);
}

/**
 * One compose project that docklab runs: the learner's (or the reference)
 * file plus an override that docklab writes, which adds docklab's labels to
 * every service container, every image a service builds, every network
 * (including the implicit `default`) and every named volume. Label-based
 * teardown therefore removes a project as it removes anything else of the
 * run; `down` removes it the compose way first.
 */
export class ComposeProject {
  private constructor(
    private readonly ctx: ComposeRunContext,
    readonly tool: ComposeTool,
    readonly file: ComposeFile,
    readonly name: string,
    private readonly overrideDir: string,
    /** Which file of the folder is used and why (found as `docker compose` finds it), when docklab looked for it. */
    readonly found?: FoundComposeFile,
  ) {}

  /**
   * Reads the file (a CheckFailure on bad YAML) and prepares the override; runs nothing yet.
   * Without a path, the folder's compose file is found as `docker compose` finds it
   * (compose.yaml first, docker-compose.yml still taken), with its override file.
   */
  static async open(ctx: ComposeRunContext, relativePath?: string): Promise<ComposeProject> {
    const tool = await findComposeTool();
    if (!tool)
      throw new DocklabError(
        'DOCKLAB_COMPOSE_MISSING',
        'this lab runs a compose file: install Docker Compose (`npm run setup` builds `docker compose`, v2) and run `docklab doctor`',
      );
    const found = relativePath === undefined ? findComposeFile(resolve(ctx.sourcePath())) : undefined;
    if (relativePath === undefined && !found) {
      throw new CheckFailure(
        'a compose file in the folder',
        `none of ${COMPOSE_FILE_NAMES.join(', ')} in ${resolve(ctx.sourcePath())}`,
        'write the stack in compose.yaml (the name `docker compose` looks for first; docker-compose.yml is taken too), in the folder you verify',
      );
    }
    const path = found?.path ?? resolve(ctx.sourcePath(relativePath!));
    const name = `docklab-${ctx.labId}-${ctx.runId}`;
    const existing = openedBy.get(ctx) ?? [];
    // Opened before in this run (by the file check, then by `up`): the same project, read once.
    const same = existing.find((p) => p.name === name && p.file.path === path);
    if (same) return same;
    const file = readComposeFile(path);
    if (found) ctx.log(`compose file: ${describeComposeChoice(found)}`);
    if (found?.override) mergeOverride(file, readOverrideFile(found.override.path));
    // Services of included files (Compose v2) are judged and labelled like the file's own.
    if (usesInclude(path)) {
      const model = await resolvedModel(tool, path, ctx.signal);
      if (model) addIncluded(file, model);
    }
    const overrideDir = ctx.tempDir('compose');
    const project = new ComposeProject(ctx, tool, file, name, overrideDir, found);
    project.frontendHere = tool.generation === 2 && (await frontendPresent(ctx.docker));
    writeFileSync(project.overridePath, stringify(project.override()));
    openedBy.set(ctx, [...(openedBy.get(ctx) ?? []), project]);
    return project;
  }

  /** Compose v2 builds with BuildKit: give its builds the current Dockerfile frontend, as Docker 23 and later read Dockerfiles. */
  private frontendHere = false;

  get overridePath(): string {
    return join(this.overrideDir, 'docklab-override.yml');
  }

  /** The override file's content: labels on everything the project makes. */
  override(): Record<string, unknown> {
    const labels = { ...this.ctx.labels(), [LABEL.compose]: this.name };
    const services: Record<string, unknown> = {};
    for (const [name, service] of Object.entries(this.file.services)) {
      const frontend = service.build !== undefined ? frontendFor(dockerfileTextOf(service, dirname(this.file.path)) ?? '', this.frontendHere) : undefined;
      services[name] = service.build !== undefined ? { labels, build: { labels, ...(frontend ? { args: { BUILDKIT_SYNTAX: frontend } } : {}) } } : { labels };
    }
    const result: Record<string, unknown> = {};
    if (this.file.version !== undefined) result.version = this.file.version;
    result.services = services;
    // Compose file format 2.0 has no labels on networks and volumes; 2.1 and later, 3.x and the unversioned format do.
    if (this.file.version === undefined || !/^2(\.0)?$/.test(this.file.version)) {
      const networks = new Set(['default', ...this.file.networks]);
      result.networks = Object.fromEntries([...networks].map((n) => [n, { labels }]));
      if (this.file.volumes.length > 0) result.volumes = Object.fromEntries(this.file.volumes.map((v) => [v, { labels }]));
    }
    return result;
  }

  /** Runs the compose tool on this project: `<tool> -p NAME -f FILE -f OVERRIDE args…`. */
  async run(args: string[], options: { timeoutMs?: number; signal?: AbortSignal; unstoppable?: boolean } = {}) {
    const signal = options.unstoppable ? undefined : (options.signal ?? this.ctx.signal);
    signal?.throwIfAborted();
    // The learner's own override file is merged as `docker compose` merges it when run in the folder; docklab's comes last.
    const learnerOverride = this.found?.override ? ['-f', this.found.override.path] : [];
    const argv = [...this.tool.prefix, '-p', this.name, '-f', this.file.path, ...learnerOverride, '-f', this.overridePath, ...args];
    // Loaded on first use: labs without Compose do not pay execa's start-up.
    const { execa } = await import('execa');
    const result = await execa(this.tool.command, argv, {
      cwd: dirname(this.file.path),
      reject: false,
      all: true,
      timeout: options.timeoutMs ?? 300_000,
      // v2: no "What's next" hints, no interactive menu.
      env: { COMPOSE_INTERACTIVE_NO_CLI: '1', DOCKER_CLI_HINTS: 'false', COMPOSE_MENU: 'false' },
      stdin: 'ignore',
      // An interrupted run stops the tool (SIGTERM, then SIGKILL) before its teardown runs `down`.
      cancelSignal: signal,
      forceKillAfterDelay: 3_000,
    });
    if (result.isCanceled) signal?.throwIfAborted();
    const shown = `${this.tool.display} ${args.join(' ')}`;
    const output = (result.all ?? '')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean);
    this.ctx.log(`${shown}: exit ${result.exitCode ?? 'killed'}`);
    return { exitCode: result.exitCode ?? -1, output, command: shown, timedOut: result.timedOut };
  }

  /**
   * `up -d` with extra arguments (e.g. --scale web=3); the result says how it went.
   * Catalog images the services run or build FROM are provisioned first (a tag
   * that cannot be had is a DOCKLAB_IMAGE_UNAVAILABLE naming those that can).
   */
  async up(extra: string[] = [], options: { timeoutMs?: number } = {}) {
    await provisionNeeded(this.ctx.docker, composeImages(this.file), { onLine: (line) => this.ctx.log(line), signal: this.ctx.signal });
    return this.run(['up', '-d', '--no-color', ...extra], options);
  }

  /**
   * Removes the project's containers, networks, named volumes and the images
   * it built. At the end of a run nothing is kept, so containers get no grace
   * period (-t 0); a lab that checks a graceful down/up calls run(['down']) itself.
   */
  async down(): Promise<void> {
    // The teardown itself must run to its end, also when the run was interrupted.
    await this.run(['down', '-v', '--rmi', 'local', '--remove-orphans', '-t', '0'], { timeoutMs: 120_000, unstoppable: true });
  }

  /** The project's containers, optionally of one service only, numbered in order. */
  async containers(service?: string, options: { all?: boolean } = {}): Promise<Docker.ContainerInfo[]> {
    const label = [`${COMPOSE_LABEL}=${this.name}`];
    if (service) label.push(`${SERVICE_LABEL}=${service}`);
    const list = await this.ctx.docker.listContainers({ all: options.all ?? true, filters: JSON.stringify({ label }) });
    return list.sort((a, b) => Number(a.Labels['com.docker.compose.container-number'] ?? 0) - Number(b.Labels['com.docker.compose.container-number'] ?? 0));
  }

  /** The host port that a container's port is published on (127.0.0.1 preferred), or undefined. */
  static async publishedPort(docker: Docker, containerId: string, containerPort: number): Promise<number | undefined> {
    const info = await docker.getContainer(containerId).inspect();
    const bindings = info.NetworkSettings.Ports?.[`${containerPort}/tcp`] ?? [];
    const binding = bindings.find((b) => b.HostIp === '127.0.0.1') ?? bindings.find((b) => b.HostIp === '0.0.0.0' || b.HostIp === '') ?? bindings[0];
    return binding?.HostPort ? Number(binding.HostPort) : undefined;
  }

  removeOverride(): void {
    rmSync(this.overrideDir, { recursive: true, force: true });
  }
}

/**
 * For a lab's teardown hook: `down` every compose project the run opened,
 * then forget the override files. Label-based teardown runs after it and
 * removes anything a failed `down` left.
 */
export async function downComposeProjects(ctx: ComposeRunContext): Promise<void> {
  const projects = openedBy.get(ctx) ?? [];
  for (const project of projects) {
    try {
      await project.down();
    } finally {
      project.removeOverride();
    }
  }
  openedBy.delete(ctx);
}

/**
 * When line `reported` is `key: value` and the next non-blank line is indented
 * deeper, that next line is the mistake: returns its number.
 */
function overIndentedAfter(lines: string[], reported: number): number | undefined {
  const indent = (l: string) => l.length - l.trimStart().length;
  const here = lines[reported - 1];
  if (!here || !/^\s*[^#\s][^:]*:\s+\S/.test(here)) return undefined;
  for (let i = reported; i < lines.length; i++) {
    const next = lines[i]!;
    if (!next.trim() || next.trim().startsWith('#')) continue;
    return indent(next) > indent(here) && /^\s*[^#\s-][^:]*:(\s|$)/.test(next) ? i + 1 : undefined;
  }
  return undefined;
}

function problemOf(error: YAMLError): string {
  return YAML_PROBLEMS[error.code] ?? 'this line cannot be read as YAML';
}

function shortName(path: string): string {
  return path.split('/').pop() ?? path;
}

/** The learner's override file as data; a YAML mistake in it is reported as one in the main file is. */
function readOverrideFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CheckFailure(
      `${shortName(path)} readable`,
      (error as Error).message,
      '`docker compose` merges this override file over the main one when it is there: make it a file, or remove it',
    );
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  // readComposeFile throws the precise error (line, column, what is wrong) for a file that does not parse.
  if (doc.errors.length > 0) readComposeFile(path);
  const data = doc.toJS() as unknown;
  return isRecord(data) ? data : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
