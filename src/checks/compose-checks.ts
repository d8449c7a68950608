import type Docker from 'dockerode';
import { basename } from 'node:path';
import { ComposeProject } from '../engine/compose-project.js';
import { describeComposeChoice } from '../engine/compose-file-finder.js';
import { DocklabError } from '../errors.js';
import type { CheckContext } from '../lab-kit/check-context.js';
import { fail, pass, passWith, type Check, type CheckDefinition } from './check.js';

/**
 * Checks shared by labs whose evidence is a compose file: the file reads as
 * YAML and has the services the task asks for; the compose tool brings it up
 * under a project docklab owns. The file check hands on the project and
 * the service that fills each role, for the lab's own checks.
 */
export interface ServiceRole {
  /** What the lab calls it: "nginx", "mysql". */
  role: string;
  /** The images that fill the role (by name, any tag). */
  image: { test(ref: string): boolean };
  /** An example for hints: "image: nginx". */
  example: string;
}

/** What the compose-file check hands on: the project, and by role ("nginx") the service of the file that fills it. */
export interface ComposeServices {
  project: ComposeProject;
  services: Record<string, string>;
}

/** The id of the check that hands on ComposeServices: composeFileCheck's, or a lab's own check of its file under this id. */
export const COMPOSE_FILE_CHECK = 'compose-file';

/**
 * The run's project of the file: opened once per run (ComposeProject.open keeps it), the same one for every check.
 * Without a file, the folder's compose file as `docker compose` finds it: compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml.
 */
export async function composeProject(ctx: CheckContext, file?: string): Promise<ComposeProject> {
  return ComposeProject.open(ctx, file);
}

/** Which file the project reads, and why when the folder has several: for a check's found text. */
export function composeFileUsed(project: ComposeProject): string {
  return project.found ? describeComposeChoice(project.found) : basename(project.file.path);
}

/** The service of the file that fills a role, as the compose-file check handed it on. */
export function serviceFor(ctx: CheckContext, role: string): string {
  let found: ComposeServices | undefined;
  try {
    found = ctx.get<ComposeServices>(COMPOSE_FILE_CHECK);
  } catch {
    // Nothing handed on: the compose-file check did not pass (or ran later), said below.
  }
  return found?.services[role] ?? ctx.failWith(`a service for ${role}`, 'none found', 'the compose-file check must pass first');
}

export function composeFileCheck(options: { roles: ServiceRole[]; file?: string }): Check<ComposeServices> {
  const file = options.file;
  return {
    id: COMPOSE_FILE_CHECK,
    title: `${file ?? 'The compose file (compose.yaml or docker-compose.yml)'} reads as YAML and has a service for ${options.roles.map((r) => r.role).join(' and ')}`,
    run: async (ctx) => {
      const project = await composeProject(ctx, file);
      const found: string[] = [];
      const services: Record<string, string> = {};
      for (const role of options.roles) {
        const matches = Object.entries(project.file.services).filter(([, s]) => typeof s.image === 'string' && role.image.test(s.image));
        if (matches.length === 0) {
          const listed = Object.entries(project.file.services).map(
            ([n, s]) => `${n} (${typeof s.image === 'string' ? `image ${s.image}` : s.build !== undefined ? 'built' : 'no image'})`,
          );
          return fail(
            `a service running the ${role.role} image`,
            `services: ${listed.join(', ')}`,
            `add a service for ${role.role} under services:, e.g. \`${role.example}\``,
          );
        }
        services[role.role] = matches[0]![0];
        found.push(`${role.role}: ${matches[0]![0]}`);
      }
      return passWith({ project, services }, `${composeFileUsed(project)}: services ${Object.keys(project.file.services).join(', ')} (${found.join('; ')})`);
    },
  };
}

export interface UpOptions {
  id?: string;
  title?: string;
  dependsOn?: string[];
  timeoutMs?: number;
  /** Extra arguments for `up -d` (e.g. --scale web=3), from the services the file check found. */
  args?: (ctx: CheckContext) => string[];
  /** A hint of the lab's own for a failed `up`, given the tool's output; undefined: the generic one. */
  hint?: (ctx: CheckContext, output: string[]) => string | undefined;
}

export function composeUpCheck(options: UpOptions = {}): CheckDefinition {
  return {
    id: options.id ?? 'stack-up',
    title: options.title ?? 'The compose tool brings the stack up (up -d)',
    dependsOn: options.dependsOn ?? ['compose-file'],
    timeoutMs: options.timeoutMs ?? 120_000,
    run: async (ctx) => {
      const project = await composeProject(ctx);
      const args = options.args?.(ctx) ?? [];
      const began = Date.now();
      let result: Awaited<ReturnType<ComposeProject['up']>>;
      try {
        result = await project.up(args, { timeoutMs: (options.timeoutMs ?? 120_000) - 5_000 });
      } catch (error) {
        // An image the file names that cannot be had here: the advice is which tags can, not the compose file's syntax.
        if (error instanceof DocklabError && error.code === 'DOCKLAB_IMAGE_UNAVAILABLE') {
          return fail('every image the compose file names to be available', error.message.replace(/;.*$/, ''), error.message.replace(/^[^;]*;\s*/, ''));
        }
        throw error;
      }
      const took = ((Date.now() - began) / 1000).toFixed(1);
      if (result.exitCode !== 0) {
        const errors = result.output.filter((l) => /error|invalid|unsupported|failed|not allowed|conflict|allocated/i.test(l));
        return fail(
          `\`${project.tool.display} up -d${args.length ? ` ${args.join(' ')}` : ''}\` to succeed`,
          `it exited with ${result.exitCode}${result.timedOut ? ' (timed out)' : ''}: ${firstError(errors, result.output)}`,
          options.hint?.(ctx, result.output) ??
            `the compose tool's own message is below; \`${project.tool.display} config\` in your folder checks the file without running it`,
          result.output.slice(-8),
        );
      }
      const containers = await project.containers();
      return pass(`project ${project.name} up in ${took} s: ${containers.map((c) => `${c.Names[0]?.replace(/^\//, '')} (${c.State})`).join(', ')}`);
    },
  };
}

/** The project's containers of one service, in replica order. */
export async function serviceContainers(ctx: CheckContext, role: string, options: { running?: boolean } = {}): Promise<Docker.ContainerInfo[]> {
  const project = await composeProject(ctx);
  const list = await project.containers(serviceFor(ctx, role));
  return options.running ? list.filter((c) => c.State === 'running') : list;
}

/** Env of a container as a map (what compose actually passed, env_file and ${VAR} substitution included). */
export { envOf } from '../lab-kit/inspect/containers.js';

/** The most telling line of a failed compose run, without container ids. */
function firstError(errors: string[], output: string[]): string {
  const line = errors.find((l) => /^ERROR/.test(l)) ?? errors[0] ?? output[output.length - 1] ?? 'no output';
  return line
    .replace(/\s*\([0-9a-f]{64}\)/g, '')
    .replace(/^ERROR:\s*/, '')
    .slice(0, 300);
}
