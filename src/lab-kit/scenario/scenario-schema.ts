import { z } from 'zod';

/**
 * The scenario format: a state lab's reference steps and broken cases as
 * data, one step per command a learner would type. Every step is a mapping
 * with exactly one key, the command's name.
 */

const name = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a name of letters, digits, ".", "_" or "-"');
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
const command = z.array(z.string()).min(1);
/** Sizes as the CLI takes them ("32m", "1g") or bytes. */
const size = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?\s*[bkmg]?$/i, 'a size such as 32m, 1g or a number of bytes')]);

const healthcheck = z.strictObject({
  test: z.array(z.string()).min(1),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().int().positive().optional(),
  startPeriod: z.string().optional(),
});

export const runSchema = z.strictObject({
  /** The prescribed name (`--name`); docklab's own name carries the run id, the plain one is a network alias. */
  name,
  /** An official image, or the name an earlier `build` step gave. */
  image: z.string().min(1),
  cmd: command.optional(),
  entrypoint: command.optional(),
  env: stringMap.optional(),
  /** container port → host port; 0 picks a free one. */
  ports: z.record(z.string().regex(/^\d+(\/(tcp|udp))?$/, 'a container port such as "80" or "53/udp"'), z.number().int().min(0).max(65535)).optional(),
  /** "SOURCE:/path[:ro]": a volume made by an earlier step, a folder beside the scenario ("./html"), or an absolute path. */
  volumes: z.array(z.string().regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, 'SOURCE:/container/path[:ro]')).optional(),
  network: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  user: z.string().optional(),
  /** -t */
  tty: z.boolean().optional(),
  /** -i */
  interactive: z.boolean().optional(),
  /** Closes stdin after the first attach ends (as `docker run -i` without -d sets it). */
  stdinOnce: z.boolean().optional(),
  /** -d; without it the output streams are attached, as the CLI records. Default true. */
  detach: z.boolean().optional(),
  restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
  cpus: z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?$/, 'a number of CPUs')]).optional(),
  memory: size.optional(),
  memorySwap: z.union([size, z.literal(-1)]).optional(),
  logDriver: z.string().optional(),
  logOptions: stringMap.optional(),
  healthcheck: healthcheck.optional(),
  /** false: `docker create` only. */
  start: z.boolean().optional(),
  /** Wait for the container to exit before the next step. */
  waitExit: z.boolean().optional(),
});

const buildSchema = z.strictObject({
  image: name,
  tag: z.string().optional(),
  /** The folder, relative to the scenario's; default "." */
  dir: z.string().optional(),
  dockerfile: z.string().optional(),
  /** A Dockerfile written out in the scenario itself (a folder of its own is made for it). */
  dockerfileText: z.string().optional(),
  args: stringMap.optional(),
  noCache: z.boolean().optional(),
});

const waitSchema = z.discriminatedUnion('for', [
  z.strictObject({ container: z.string(), for: z.literal('log'), pattern: z.string(), timeoutMs: z.number().int().positive().optional() }),
  z.strictObject({ container: z.string(), for: z.literal('exit'), timeoutMs: z.number().int().positive().optional() }),
  z.strictObject({ container: z.string(), for: z.literal('healthy'), timeoutMs: z.number().int().positive().optional() }),
  z.strictObject({
    container: z.string(),
    for: z.literal('http'),
    port: z.number().int().positive(),
    path: z.string().optional(),
    status: z.number().int().optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.strictObject({ container: z.string(), for: z.literal('port'), port: z.number().int().positive(), timeoutMs: z.number().int().positive().optional() }),
]);

/** Each step's schema, by its command: a step is a mapping with exactly one of these keys. */
export const stepSchemas = {
  /**
   * `docker network create NAME`, or with a subnet `docker network create --subnet CIDR NAME`: containers
   * then get the addresses a learner's engine gave them (the first one .2), for a case that hard-codes one.
   */
  network: z.union([name, z.strictObject({ name, subnet: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 subnet such as 172.16.238.0/24') })]),
  /** `docker volume create NAME` */
  volume: name,
  build: buildSchema,
  run: runSchema,
  /**
   * With `from`: `docker tag IMAGE:FROM IMAGE:TO` of an image an earlier step built.
   * Without: `docker tag IMAGE NAME[:TAG]` of any image (`nginx:latest`), under a name of the learner's.
   */
  tag: z.strictObject({ image: z.string().min(1), from: z.string().optional(), to: z.string().min(1) }),
  /** Tag IMAGE:TAG for a registry and push it; `to`: a container of the scenario publishing a registry's port 5000, or HOST:PORT. */
  push: z.strictObject({
    image: name,
    tag: z.string(),
    to: z.string(),
    /** The host name the registry is named by when `to` is a container: 127.0.0.1 (default) or localhost. */
    host: z.enum(['127.0.0.1', 'localhost']).optional(),
  }),
  exec: z.strictObject({ container: z.string(), cmd: command, user: z.string().optional() }),
  /** Lines typed into the container's terminal, each after its prompt, as with `docker run -it` or `docker attach`. */
  attach: z.strictObject({ container: z.string(), input: z.array(z.string()) }),
  /** `docker commit [--change …] CONTAINER IMAGE[:TAG]`: the container's filesystem as an image of the learner's name. */
  commit: z.strictObject({ container: z.string(), image: name, tag: z.string().optional(), changes: z.array(z.string()).optional() }),
  /** `docker rm -f` (anonymous volumes go with it here: the run leaves nothing). */
  remove: z.strictObject({ container: z.string() }),
  /** `docker container|image|network prune`, limited to this run's resources. */
  prune: z.enum(['containers', 'images', 'networks']),
  compose: z.union([z.literal('down'), z.strictObject({ up: z.strictObject({ file: z.string().optional(), args: z.array(z.string()).optional() }) })]),
  /** SQL as the database's root user (its password from the container's environment), once the server answers. */
  sql: z.strictObject({ container: z.string(), statements: z.array(z.string()).min(1) }),
  wait: waitSchema,
} as const;

export type StepKind = keyof typeof stepSchemas;
export type ScenarioStep = { [K in StepKind]: { [P in K]: z.infer<(typeof stepSchemas)[K]> } }[StepKind];

export interface Scenario {
  /** What the scenario does, in a line. */
  description?: string;
  steps: ScenarioStep[];
}

export const SCENARIO_KEYS = ['description', 'steps'] as const;

export type RunStep = z.infer<typeof runSchema>;

/** The command of a step: its one key. */
export function stepKind(step: ScenarioStep): StepKind {
  return Object.keys(step)[0] as StepKind;
}
