import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineOrSkip } from './engine-gate.js';
import { TwoNodeSwarm } from './support/two-node-swarm.js';
import { PROJECT_ROOT } from '../../src/version.js';
import { ensureImage } from '../../src/images/provisioner.js';

/**
 * A class graded on a real two-node Swarm (two dockerd in network
 * namespaces of their own, see support/two-node-swarm.ts) against the same
 * class graded on the machine's engine: the same verdicts, also when the
 * worker dies in the middle, and nothing left on either node.
 */
const engine = await engineOrSkip();
/**
 * The docklab under test, copied once: the grader image's tag follows the built project, and a class
 * must be graded by one docklab from start to end even while the working tree is rebuilt.
 */
const frozen = mkdtempSync(join(tmpdir(), 'docklab-under-test-'));
for (const file of ['package.json', 'package-lock.json']) cpSync(join(PROJECT_ROOT, file), join(frozen, file));
for (const dir of ['bin', 'dist', 'labs', 'templates']) cpSync(join(PROJECT_ROOT, dir), join(frozen, dir), { recursive: true });
symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(frozen, 'node_modules'));
const CLI = join(frozen, 'bin', 'docklab');
const home = mkdtempSync(join(tmpdir(), 'docklab-home-'));
const cluster = new TwoNodeSwarm();
const docklab = (args: string[], dockerHost?: string) =>
  execa(process.execPath, [CLI, ...args], {
    reject: false,
    env: { CI: 'true', DOCKLAB_HOME: home, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
    extendEnv: true,
  });

/** A lab 3 learner: the Node app with a Dockerfile from the lab's solution or a broken case; `change` edits the folder. */
function learner(root: string, name: string, dockerfileFrom: string, change?: (dir: string) => void): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'templates', 'apps', 'node-hello'), dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'labs', '03-my-node-app', dockerfileFrom), dir, { recursive: true });
  rmSync(join(dir, 'case.json'), { force: true });
  change?.(dir);
}

/** Per learner: each check's status, or the error's code when the learner could not be judged. */
function verdicts(summaryJson: string): Record<string, string> {
  const rows = JSON.parse(readFileSync(summaryJson, 'utf8')) as Array<{
    learner: string;
    error?: string;
    document?: { tests: Array<{ id: string; status: string }> };
    tests?: Array<{ id: string; status: string }>;
  }>;
  return Object.fromEntries(
    rows.map((row) => {
      const tests = row.document?.tests ?? row.tests ?? [];
      return [
        row.learner,
        row.error ? `error ${/\[(DOCKLAB_[A-Z_]+)\]/.exec(row.error)?.[1] ?? row.error}` : tests.map((t) => `${t.id}=${t.status}`).join(' '),
      ];
    }),
  );
}

/**
 * The grader image of the project as it is built now, on both nodes: its tag follows dist/, so it is
 * checked again before each class (a rebuild of dist/ in between makes a new grader).
 */
async function graderOfFrozenProject(): Promise<string> {
  const { ensureGraderImage } = (await import(
    pathToFileURL(join(frozen, 'dist', 'src', 'swarm', 'grader-image.js')).href
  )) as typeof import('../../src/swarm/grader-image.js');
  return ensureGraderImage(engine!.docker);
}

async function nodesHoldGrader(): Promise<void> {
  const grader = await graderOfFrozenProject();
  for (const node of cluster.nodes) {
    if (
      !(await node.docker
        .getImage(grader)
        .inspect()
        .then(
          () => true,
          () => false,
        ))
    )
      await cluster.loadImages([grader], [node]);
  }
}

interface TaskView {
  ID: string;
  NodeID?: string;
  Status: { State: string };
}

/** Swarm keeps the tasks of removed jobs: a case looks only at the tasks made since it began. */
async function taskIds(): Promise<Set<string>> {
  return new Set(((await cluster.manager.docker.listTasks()) as TaskView[]).map((t) => t.ID));
}

/** A job's tasks are desired "complete", never "running": no desired-state filter here. */
async function newTasks(before: Set<string>): Promise<TaskView[]> {
  return ((await cluster.manager.docker.listTasks()) as TaskView[]).filter((t) => !before.has(t.ID));
}

/**
 * Nothing of docklab's on either node, no container at all. Swarm never removes the containers of a
 * removed job's tasks: docklab's clean-up removes the graders', and each clean-up task's own container
 * is removed a few seconds after it stopped, hence the short wait.
 */
async function expectNothingLeft(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const node of cluster.nodes) {
    while (Date.now() < deadline && (await cluster.leftovers(node)).length > 0) await new Promise((r) => setTimeout(r, 1_000));
    expect(await cluster.leftovers(node), node.name).toEqual([]);
  }
}

describe.skipIf(!engine)('grading a class on a two-node Docker Swarm', () => {
  const root = mkdtempSync(join(tmpdir(), 'docklab-swarm-class-'));
  const klass = join(root, 'class');
  let local: Record<string, string> = {};
  let localSeconds = 0;

  beforeAll(async () => {
    await cluster.create();
    // The nodes have no registry: the grader and the lab's image travel as `docker save | docker load`,
    // together, as the grader is built on the lab's node:18.
    await ensureImage(engine!.docker, 'node:18');
    await cluster.loadImages(['node:18', await graderOfFrozenProject()]);
    for (const name of ['ada', 'grace', 'linus']) learner(klass, name, 'solution');
    learner(klass, 'ken', 'broken/no-express');
    learner(klass, 'dennis', 'broken/no-express');
    learner(klass, 'barbara', 'broken/localhost-only');
    learner(klass, 'edsger', 'solution', (dir) => writeFileSync(join(dir, 'Dockerfile'), 'FROM node:99\nCOPY . .\n'));
    learner(klass, 'margaret', 'solution', (dir) => rmSync(join(dir, 'index.js')));

    const started = Date.now();
    const result = await docklab(['verify', '3', '--all', klass, '--parallel', '2', '--summary', join(root, 'local.json')]);
    localSeconds = (Date.now() - started) / 1000;
    expect(result.exitCode, result.stderr).toBe(1);
    local = verdicts(join(root, 'local.json'));
    process.stderr.write(`[swarm test] the class on the machine's engine (--parallel 2): ${localSeconds.toFixed(1)} s\n`);
  }, 900_000);

  afterAll(async () => {
    await cluster.destroy();
    rmSync(root, { recursive: true, force: true });
    rmSync(frozen, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it(
    'gives every learner the verdicts a local --all gives, with the same table, summaries and JUnit, and leaves nothing on either node',
    { timeout: 600_000 },
    async () => {
      await nodesHoldGrader();
      const started = Date.now();
      const result = await docklab(
        [
          'verify',
          '3',
          '--all',
          klass,
          '--swarm',
          '--parallel',
          '4',
          '--limit-cpu',
          '1',
          '--limit-memory',
          '1g',
          '--summary',
          join(root, 'swarm.json'),
          '--junit',
          join(root, 'swarm.xml'),
        ],
        cluster.manager.dockerHost,
      );
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `[swarm test] the class on the swarm (--parallel 4): ${seconds.toFixed(1)} s; ${/swarm: .*judged per node: .*/.exec(result.stderr)?.[0]}\n`,
      );
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stdout).toContain('3 of 8 learners passed lab 3');
      expect(verdicts(join(root, 'swarm.json'))).toEqual(local);
      expect(local.ada).toBe('image-builds=pass app-answers=pass');
      expect(local.ken).toBe('image-builds=pass app-answers=fail');
      const junit = readFileSync(join(root, 'swarm.xml'), 'utf8');
      // One suite per learner whose lab ran to its end, as locally.
      const judged = Object.values(local).filter((v) => !v.startsWith('error ')).length;
      expect(judged).toBeGreaterThanOrEqual(7);
      expect(junit.match(/<testsuite /g)).toHaveLength(judged);
      expect(junit).toMatch(/classname="lab0?3\.barbara"/);
      // Both nodes took learners.
      expect(result.stderr).toMatch(/judged per node: .*10\.241\.7\.11\).*, .*10\.241\.7\.12\)|judged per node: .*10\.241\.7\.12\).*, .*10\.241\.7\.11\)/);
      await expectNothingLeft();
    },
  );

  it('still grades every learner when a worker dies in the middle, and leaves nothing once it is back', { timeout: 600_000 }, async () => {
    await nodesHoldGrader();
    const before = await taskIds();
    const run = docklab(['verify', '3', '--all', klass, '--swarm', '--parallel', '4', '--summary', join(root, 'killed.json')], cluster.manager.dockerHost);
    const workerId = ((await cluster.worker.docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    // Kill the worker once it is judging someone.
    const deadline = Date.now() + 180_000;
    for (;;) {
      const tasks = await newTasks(before);
      if (tasks.some((t) => t.NodeID === workerId && t.Status.State === 'running')) break;
      if (Date.now() > deadline) {
        run.kill('SIGINT');
        await run;
        throw new Error('no grader ever ran on the worker');
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    await cluster.kill(cluster.worker.name);
    const result = await run.finally(async () => {
      // The node comes back whatever the outcome: the cases after this one need it.
      await cluster.startEngine(cluster.worker.name);
      await cluster.waitForNodes(2);
    });
    process.stderr.write(`[swarm test] with the worker killed: ${/swarm: .*judged per node: .*/.exec(result.stderr)?.[0]}\n`);
    // The learners the worker was judging were started again on the manager.
    expect(result.stderr).toMatch(/the node judging them went down; starting them again on another node/);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).not.toContain('not graded');
    expect(verdicts(join(root, 'killed.json'))).toEqual(local);

    // The node came back with what its killed graders made; the sweep through a grader task on it removes that.
    const clean = await docklab(['swarm', 'clean'], cluster.manager.dockerHost);
    expect(clean.exitCode, clean.stderr).toBe(0);
    await expectNothingLeft();
  });

  it('reports a learner whose task never completes as not graded, with the reason, after a bounded number of attempts', { timeout: 300_000 }, async () => {
    const small = join(root, 'starved-class');
    learner(small, 'ada', 'solution');
    // 6 MiB is the least the engine accepts and far too little for the grader's Node: every attempt is killed.
    const result = await docklab(
      ['verify', '3', '--all', small, '--swarm', '--limit-memory', '6m', '--summary', join(root, 'starved.json')],
      cluster.manager.dockerHost,
    );
    expect(result.exitCode, result.stderr).toBe(1);
    const [row] = JSON.parse(readFileSync(join(root, 'starved.json'), 'utf8')) as Array<{ learner: string; error?: string; document?: unknown }>;
    expect(row!.learner).toBe('ada');
    expect(row!.document).toBeUndefined();
    expect(row!.error).toMatch(/^not graded: its task did not complete in 4 attempts; the last failed on .*\(10\.241\.7\.1[12]\): .*137/);
    expect(result.stdout).toContain('not graded');
    await expectNothingLeft();
  });

  it('removes the service, its configs and every run on every node when the class is interrupted', { timeout: 300_000 }, async () => {
    await nodesHoldGrader();
    const before = await taskIds();
    const run = docklab(['verify', '3', '--all', klass, '--swarm', '--parallel', '4'], cluster.manager.dockerHost);
    const deadline = Date.now() + 180_000;
    // Interrupted once graders are at work on the nodes.
    while ((await newTasks(before)).filter((t) => t.Status.State === 'running').length < 2) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 5_000));
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(130);
    await expectNothingLeft();
  });

  it('refuses a learner folder too big for a Swarm config, naming its size and what to remove, before making anything', { timeout: 60_000 }, async () => {
    const big = join(root, 'big-class');
    learner(big, 'ada', 'solution');
    learner(big, 'hoarder', 'solution', (dir) => writeFileSync(join(dir, 'video.bin'), randomBytes(1_200_000)));
    const result = await docklab(['verify', '3', '--all', big, '--swarm'], cluster.manager.dockerHost);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/hoarder \(11\d\d KiB as a tar; remove video\.bin \(1172 KiB\).*\[DOCKLAB_SWARM_CONFIG_TOO_LARGE\]/);
    await expectNothingLeft();
  });

  it('refuses --swarm on an engine that is not a swarm manager', { timeout: 60_000 }, async () => {
    const result = await docklab(['verify', '3', '--all', klass, '--swarm'], cluster.worker.dockerHost);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/is a swarm worker.*\[DOCKLAB_SWARM_UNAVAILABLE\]/);
  });

  it(
    'prepares the swarm registry in host mode: the grader and the lab images are pushed, the node that runs it pulls from 127.0.0.1, the others cannot (no routing mesh without IPVS)',
    { timeout: 400_000 },
    async () => {
      await cluster.loadImages(['registry:2', 'hello-world:latest'], [cluster.manager]);
      try {
        const result = await docklab(['swarm', 'prepare', '1', '--publish-mode', 'host', '--port', '5050'], cluster.manager.dockerHost);
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stdout).toMatch(
          /the swarm's registry answers at 127\.0\.0\.1:5050 \(host\); pushed 127\.0\.0\.1:5050\/docklab\/grader:\S+, 127\.0\.0\.1:5050\/hello-world:latest/,
        );
        const pulled = await execa('docker', ['pull', '127.0.0.1:5050/hello-world:latest'], {
          reject: false,
          env: { DOCKER_HOST: cluster.manager.dockerHost },
        });
        expect(pulled.exitCode, pulled.stderr).toBe(0);
        await cluster.manager.docker
          .getImage('127.0.0.1:5050/hello-world:latest')
          .remove()
          .catch(() => undefined);
        const elsewhere = await execa('docker', ['pull', '127.0.0.1:5050/hello-world:latest'], {
          reject: false,
          env: { DOCKER_HOST: cluster.worker.dockerHost },
        });
        expect(elsewhere.exitCode).not.toBe(0);
        expect(elsewhere.stderr).toMatch(/connection refused/);
      } finally {
        await cluster.manager.docker
          .getService('docklab-registry')
          .remove()
          .catch(() => undefined);
      }
    },
  );
});
