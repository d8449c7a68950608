import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type Docker from 'dockerode';
import { LABEL } from '../../engine/labels.js';
import { typeIntoTerminal } from '../../engine/terminal-session.js';
import { pushImage } from '../../images/image-push.js';
import { parseImageRef } from '../../images/image-ref.js';
import { composeProject } from '../../checks/compose-checks.js';
import { downComposeProjects } from '../../engine/compose-project.js';
import type { CheckContext, ContainerSpec } from '../check-context.js';
import { envOf } from '../inspect/containers.js';
import { mysqlQueryFrom, type MysqlAnswer } from '../inspect/mysql-probe.js';
import { Wait, waitFor } from '../wait/wait.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import { ScenarioOutcome } from './scenario-outcome.js';
import { stepKind, type RunStep, type Scenario, type ScenarioStep } from './scenario-schema.js';

const BUILT_IN_NETWORKS = new Set(['bridge', 'host', 'none']);
/** How long a database in a scenario may take to answer its first query (a first start initialises its data). */
const DATABASE_START_MS = 120_000;

/**
 * Plays a scenario's steps in order against the engine, through the run's
 * context, so everything it makes carries the run's labels and names.
 * Names in the scenario (volumes, networks, images, containers) are the
 * learner's; each maps to the run's own resource.
 */
export async function runScenario(ctx: CheckContext, scenario: Scenario, outcome = new ScenarioOutcome()): Promise<ScenarioOutcome> {
  for (const [index, step] of scenario.steps.entries()) {
    ctx.signal?.throwIfAborted();
    try {
      await runStep(ctx, step, outcome);
    } catch (error) {
      if (error instanceof Error && !(error as { scenarioStep?: number }).scenarioStep) {
        error.message = `scenario step ${index + 1} (${stepKind(step)}): ${error.message}`;
        (error as { scenarioStep?: number }).scenarioStep = index + 1;
      }
      throw error;
    }
  }
  return outcome;
}

async function runStep(ctx: CheckContext, step: ScenarioStep, outcome: ScenarioOutcome): Promise<void> {
  if ('network' in step) {
    const network: { name: string; subnet?: string } = typeof step.network === 'string' ? { name: step.network } : step.network;
    outcome.networks.set(network.name, await ctx.createNetwork(network.name, { subnet: network.subnet }));
  } else if ('volume' in step) outcome.volumes.set(step.volume, await ctx.createVolume(step.volume));
  else if ('build' in step) await build(ctx, step.build, outcome);
  else if ('run' in step) await run(ctx, step.run, outcome);
  else if ('tag' in step) await tag(ctx, step.tag, outcome);
  else if ('push' in step) await push(ctx, step.push, outcome);
  else if ('exec' in step) {
    const result = await ctx.exec(containerOf(outcome, step.exec.container), step.exec.cmd, { user: step.exec.user });
    ctx.log(`$ docker exec ${step.exec.container} ${step.exec.cmd.join(' ')}  → exit code ${result.exitCode}`);
    for (const line of `${result.stdout}${result.stderr}`.trim().split('\n').slice(0, 6)) ctx.log(`  ${line}`);
  } else if ('attach' in step) await attach(ctx, containerOf(outcome, step.attach.container), step.attach.input);
  else if ('commit' in step) await commit(ctx, step.commit, outcome);
  else if ('remove' in step) {
    // Anonymous volumes go too (v): the run keeps nothing behind; the data is gone either way.
    await ctx.docker.getContainer(containerOf(outcome, step.remove.container)).remove({ force: true, v: true });
    outcome.containers.delete(step.remove.container);
  } else if ('prune' in step) await prune(ctx, step.prune);
  else if ('compose' in step) {
    if (step.compose === 'down') await downComposeProjects(ctx);
    else {
      const project = await composeProject(ctx, step.compose.up.file);
      const result = await project.up(step.compose.up.args ?? []);
      if (result.exitCode !== 0) throw new Error(`compose up exited with ${result.exitCode}: ${result.output.slice(-3).join(' | ')}`);
    }
  } else if ('sql' in step) await sql(ctx, containerOf(outcome, step.sql.container), step.sql.statements);
  else if ('wait' in step) await wait(ctx, step.wait, outcome);
}

async function build(ctx: CheckContext, step: Extract<ScenarioStep, { build: unknown }>['build'], outcome: ScenarioOutcome): Promise<void> {
  let dir = step.dir;
  if (step.dockerfileText !== undefined) {
    dir = ctx.tempDir(`build-${step.image}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, step.dockerfile ?? 'Dockerfile'), step.dockerfileText);
  }
  const built = await ctx.build({ name: step.image, tag: step.tag, dir, dockerfile: step.dockerfile, buildArgs: step.args, noCache: step.noCache });
  outcome.images.set(step.image, built.ref);
  outcome.images.set(`${step.image}:${step.tag ?? 'latest'}`, built.ref);
  ctx.log(`built ${step.image}:${step.tag ?? 'latest'} in ${(built.durationMs / 1000).toFixed(1)} s`);
}

/** `docker run` as the scenario says it, with the learner's names mapped to the run's. */
export function containerSpecOf(ctx: CheckContext, step: RunStep, outcome: ScenarioOutcome): ContainerSpec {
  const network = step.network ? (outcome.networks.get(step.network) ?? step.network) : undefined;
  const userDefined = network !== undefined && !BUILT_IN_NETWORKS.has(network);
  const binds = step.volumes?.map((bind) => {
    const [source, ...rest] = bind.split(':');
    const mapped = outcome.volumes.get(source!) ?? (source!.startsWith('.') ? ctx.sourcePath(source!) : isAbsolute(source!) ? source! : source!);
    return [mapped, ...rest].join(':');
  });
  const hostConfig: Docker.HostConfig = {};
  if (step.restart) hostConfig.RestartPolicy = { Name: step.restart };
  if (step.cpus !== undefined) hostConfig.NanoCpus = Math.round(Number(step.cpus) * 1e9);
  if (step.memory !== undefined) hostConfig.Memory = bytes(step.memory);
  if (step.memorySwap !== undefined) hostConfig.MemorySwap = step.memorySwap === -1 ? -1 : bytes(step.memorySwap);
  if (step.logDriver || step.logOptions) hostConfig.LogConfig = { Type: step.logDriver ?? 'json-file', Config: step.logOptions ?? {} };
  return {
    name: step.name,
    image: outcome.images.get(step.image) ?? step.image,
    cmd: step.cmd,
    entrypoint: step.entrypoint,
    env: step.env,
    ports: step.ports,
    binds,
    network,
    // As with --name, a container on a user network is known there by its name: docklab's own name carries the run id.
    networkAliases: userDefined ? [step.name, ...(step.aliases ?? [])] : step.aliases,
    user: step.user,
    tty: step.tty,
    openStdin: step.interactive,
    stdinOnce: step.stdinOnce,
    attachStreams: step.detach === false,
    hostConfig: Object.keys(hostConfig).length ? hostConfig : undefined,
    healthcheck: step.healthcheck
      ? {
          Test: step.healthcheck.test,
          Interval: nanos(step.healthcheck.interval),
          Timeout: nanos(step.healthcheck.timeout),
          Retries: step.healthcheck.retries,
          StartPeriod: nanos(step.healthcheck.startPeriod),
        }
      : undefined,
    start: step.start,
  };
}

async function run(ctx: CheckContext, step: RunStep, outcome: ScenarioOutcome): Promise<void> {
  const container = await ctx.runContainer(containerSpecOf(ctx, step, outcome));
  outcome.containers.set(step.name, container.id);
  for (const containerPort of Object.keys(step.ports ?? {})) {
    const port = await ctx.hostPort(container.id, containerPort);
    if (port) outcome.hostPorts.set(`${step.name}:${containerPort.replace(/\/tcp$/, '')}`, port);
  }
  if (step.waitExit) await container.wait();
}

async function tag(ctx: CheckContext, step: { image: string; from?: string; to: string }, outcome: ScenarioOutcome): Promise<void> {
  if (step.from !== undefined) {
    const { repository, tag } = parseImageRef(ctx.imageName(step.image, step.to));
    await ctx.docker.getImage(ctx.imageName(step.image, step.from)).tag({ repo: repository, tag });
    ctx.log(`tagged ${step.image}:${step.from} as ${step.image}:${step.to}`);
    return;
  }
  // Any image under a name of the learner's: the name gets the run's prefix, and the run removes the tag at its end.
  const target = parseImageRef(step.to);
  const ref = await ctx.tagImage(outcome.images.get(step.image) ?? step.image, target.repository, target.tag);
  outcome.images.set(step.to, ref);
  if (!step.to.includes(':')) outcome.images.set(`${step.to}:latest`, ref);
  ctx.log(`tagged ${step.image} as ${step.to}`);
}

async function commit(
  ctx: CheckContext,
  step: { container: string; image: string; tag?: string; changes?: string[] },
  outcome: ScenarioOutcome,
): Promise<void> {
  const ref = ctx.imageName(step.image, step.tag);
  const { repository, tag } = parseImageRef(ref);
  // The run's labels go on the image as one more change, so that teardown finds it like every image the run made.
  const labels = Object.entries(ctx.labels())
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  await ctx.docker.getContainer(containerOf(outcome, step.container)).commit({ repo: repository, tag, changes: [...(step.changes ?? []), `LABEL ${labels}`] });
  outcome.images.set(step.image, ref);
  outcome.images.set(`${step.image}:${step.tag ?? 'latest'}`, ref);
  ctx.log(`committed ${step.container} as ${step.image}:${step.tag ?? 'latest'}`);
}

async function push(ctx: CheckContext, step: { image: string; tag: string; to: string; host?: string }, outcome: ScenarioOutcome): Promise<void> {
  const registryPort = outcome.hostPort(step.to, 5000);
  const hostPort = registryPort ? `${step.host ?? '127.0.0.1'}:${registryPort}` : step.to;
  const repository = `${hostPort}/${step.image}`;
  // docker tag IMAGE:TAG HOST:PORT/IMAGE:TAG && docker push HOST:PORT/IMAGE:TAG
  await ctx.docker.getImage(ctx.imageName(step.image, step.tag)).tag({ repo: repository, tag: step.tag });
  const pushed = await pushImage(ctx.docker, repository, step.tag);
  outcome.pushed.set(`${step.image}:${step.tag}`, pushed.digest);
  ctx.log(`pushed ${repository}:${step.tag}: digest ${pushed.digest} (${(pushed.durationMs / 1000).toFixed(1)} s)`);
}

/** Types into the container's terminal (starting it if it is not running yet); with no input, lets it run to its end. */
async function attach(ctx: CheckContext, id: string, input: string[]): Promise<void> {
  const container = ctx.docker.getContainer(id);
  const running = (await container.inspect()).State.Running;
  if (input.length === 0) {
    if (!running) await container.start();
    await container.wait();
    for (const line of await ctx.logTail(id, 20).catch(() => [])) ctx.log(line);
    return;
  }
  const transcript = await typeIntoTerminal(ctx.docker, id, { lines: input, start: !running });
  for (const line of transcript.text.split('\n').filter((l) => l.trim())) ctx.log(`| ${line}`);
}

async function prune(ctx: CheckContext, what: 'containers' | 'images' | 'networks'): Promise<void> {
  // Only this run's resources: a scenario never touches what it did not make.
  const label = [`${LABEL.run}=${ctx.runId}`];
  const report =
    what === 'containers'
      ? await ctx.docker.pruneContainers({ filters: JSON.stringify({ label }) })
      : what === 'images'
        ? await ctx.docker.pruneImages({ filters: JSON.stringify({ label, dangling: ['true'] }) })
        : await ctx.docker.pruneNetworks({ filters: JSON.stringify({ label }) });
  const removed = report as { ContainersDeleted?: string[]; ImagesDeleted?: unknown[]; NetworksDeleted?: string[] };
  const count = removed.ContainersDeleted?.length ?? removed.ImagesDeleted?.length ?? removed.NetworksDeleted?.length ?? 0;
  ctx.log(`pruned ${what} labelled ${LABEL.run}=${ctx.runId}: ${count} removed`);
}

/**
 * SQL as root with docklab's own client (mysql2) over TCP from inside the
 * database container's namespace, once the server takes the login; MySQL and
 * MariaDB. Readiness is the protocol's: the entrypoint's temporary server of
 * a first start listens on no TCP port, so a login means the real server.
 */
async function sql(ctx: CheckContext, id: string, statements: string[]): Promise<void> {
  const env = envOf(await ctx.docker.getContainer(id).inspect());
  const password = env.get('MYSQL_ROOT_PASSWORD') ?? env.get('MARIADB_ROOT_PASSWORD') ?? '';
  const answer = await waitFor(
    ctx,
    Wait.until<MysqlAnswer>('the database server to take a login as root over TCP', async () => {
      const r = await mysqlQueryFrom(ctx, id, { user: 'root', password }, statements.join(';\n'), { multipleStatements: true });
      if (r.ok) return { ok: true, value: r };
      // The server took the login and refused a statement: waiting will not help.
      if (r.connected) return { ok: true, value: r };
      return { ok: false, seen: r.problem };
    })
      .withStartupTimeout(DATABASE_START_MS)
      .withInterval(1_000)
      .withHint('the database server did not start'),
    id,
  );
  if (!answer.ok) throw new Error(`SQL failed: ${answer.problem}`);
}

async function wait(ctx: CheckContext, step: Extract<ScenarioStep, { wait: unknown }>['wait'], outcome: ScenarioOutcome): Promise<void> {
  const id = containerOf(outcome, step.container);
  const timeout = step.timeoutMs ?? 60_000;
  if (step.for === 'exit') {
    await Promise.race([
      ctx.docker.getContainer(id).wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${step.container} did not exit within ${timeout} ms`)), timeout).unref()),
    ]);
    return;
  }
  const strategy: WaitStrategy<unknown> =
    step.for === 'log'
      ? Wait.forLogLine(new RegExp(step.pattern))
      : step.for === 'healthy'
        ? Wait.forHealthy()
        : step.for === 'http'
          ? Wait.forHttp(`http://127.0.0.1:${publishedPort(outcome, step.container, step.port)}${step.path ?? '/'}`, { status: step.status ?? 200 })
          : Wait.forListeningPort('127.0.0.1', publishedPort(outcome, step.container, step.port));
  await waitFor(ctx, strategy.withStartupTimeout(timeout).withHint(`${step.container} did not get ready`), id);
}

function publishedPort(outcome: ScenarioOutcome, container: string, port: number): number {
  const published = outcome.hostPort(container, port);
  if (!published) throw new Error(`${container} publishes no port ${port} (give it ports: { "${port}": 0 })`);
  return published;
}

function containerOf(outcome: ScenarioOutcome, name: string): string {
  const id = outcome.containerId(name);
  if (!id) throw new Error(`no container '${name}' was run by an earlier step`);
  return id;
}

function bytes(size: number | string): number {
  if (typeof size === 'number') return size;
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)$/i.exec(size.trim())!;
  return Math.round(Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] || ' ').toLowerCase().replace('b', ' ')));
}

/** "30s", "500ms", "1m" as the engine's nanoseconds. */
function nanos(duration: string | undefined): number | undefined {
  if (!duration) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration.trim());
  if (!match) throw new Error(`a duration such as 30s or 500ms, not '${duration}'`);
  return Math.round(Number(match[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[match[2] as 'ms' | 's' | 'm' | 'h']);
}
