import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineOrSkip } from './engine-gate.js';
import { PROJECT_ROOT } from '../../src/version.js';
import { LABEL } from '../../src/engine/labels.js';
import { tearDown } from '../../src/engine/teardown.js';

/**
 * Nothing is left behind, however a run ends: SIGKILL at random points, Ctrl-C
 * at a real terminal (listr2's own renderer), SIGTERM while Compose runs, an
 * instructor's parallel verification interrupted. Every test uses a state
 * folder of its own and counts only the resources of its own runs: the
 * engine is shared.
 */
const engine = await engineOrSkip();
const CLI = join(PROJECT_ROOT, 'bin', 'docklab');

interface Home {
  dir: string;
  env: NodeJS.ProcessEnv;
}

function newHome(): Home {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-interrupt-home-'));
  return { dir, env: { ...process.env, CI: 'true', DOCKLAB_HOME: dir } };
}

/** A small seeded generator (mulberry32): the same kill points on every run of the suite. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runFolders(home: Home): string[] {
  const dir = join(home.dir, 'runs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * Whether a build has reached a Dockerfile step: the legacy builder shows it by the layers a run
 * records, BuildKit (which commits no layer of its own until the end) by the step in its build log.
 */
function building(home: Home, runId: string): boolean {
  if (layersOf(home, runId).length > 0) return true;
  const logs = join(home.dir, 'logs');
  if (!existsSync(logs)) return false;
  return readdirSync(logs).some(
    (f) => f.startsWith('build-') && /^(#\d+ \[[^\]]*\d+\/\d+\] |Step \d+\/\d+ : )(RUN|COPY)/m.test(readFileSync(join(logs, f), 'utf8')),
  );
}

function layersOf(home: Home, runId: string): string[] {
  return ['layers', 'cache'].flatMap((list) => {
    const file = join(home.dir, 'runs', runId, list);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  });
}

interface Leftovers {
  containers: number;
  networks: number;
  volumes: number;
  images: number;
  tempFolders: number;
  layers: number;
  processes: number;
}

/** What is left of these runs: labelled resources, their folders, the layers their builds committed, compose processes. */
async function leftovers(home: Home, runIds: string[], layers: string[]): Promise<Leftovers> {
  const docker = engine!.docker;
  const count: Leftovers = { containers: 0, networks: 0, volumes: 0, images: 0, tempFolders: 0, layers: 0, processes: 0 };
  for (const run of runIds) {
    const filters = JSON.stringify({ label: [`${LABEL.run}=${run}`] });
    count.containers += (await docker.listContainers({ all: true, filters })).length;
    count.networks += (await docker.listNetworks({ filters })).length;
    count.volumes += ((await docker.listVolumes({ filters })).Volumes ?? []).length;
    count.images += (await docker.listImages({ all: true, filters })).length;
    const helpers = await execa('pgrep', ['-f', `docklab-[0-9]+-${run}`], { reject: false });
    count.processes += helpers.stdout.split('\n').filter(Boolean).length;
  }
  count.tempFolders = runFolders(home).filter((r) => runIds.includes(r)).length;
  for (const id of layers)
    if (
      await docker
        .getImage(id)
        .inspect()
        .then(
          () => true,
          () => false,
        )
    )
      count.layers++;
  return count;
}

const NOTHING: Leftovers = { containers: 0, networks: 0, volumes: 0, images: 0, tempFolders: 0, layers: 0, processes: 0 };

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Polls until the condition holds; fails the test with `what` otherwise. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(50);
  }
}

async function runContainers(runId: string): Promise<number> {
  return (await engine!.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.run}=${runId}`] }) })).length;
}

/** The lab's learner folder for lab 19: the shared Flask app with the reference Dockerfile. */
function flaskLearner(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'templates', 'apps', 'flask-hello'), dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'labs', '19-flask-hello-world', 'solution'), dir, { recursive: true });
  return dir;
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length) process.stderr.write(`\n[docklab interruptions]\n${figures.join('\n')}\n`);
});

describe.skipIf(!engine)('nothing is left behind after a crash or an interruption', () => {
  it('crash test: kill -9 at seeded random points of labs 2, 3, 19 and 10; the next command leaves nothing', { timeout: 240_000 }, async () => {
    const home = newHome();
    const random = seeded(5);
    // Typical run lengths here (warm images), so that kills land in every phase.
    const plan: Array<[lab: string, typicalMs: number]> = [
      ['2', 1_000],
      ['3', 2_000],
      ['19', 9_000],
      ['10', 12_000],
      ['2', 1_000],
      ['3', 2_000],
      ['19', 9_000],
      ['10', 12_000],
      ['2', 1_000],
      ['3', 2_000],
      ['19', 9_000],
      ['10', 12_000],
    ];
    const killed: Array<{ lab: string; at: number; runIds: string[]; layers: string[]; made: Leftovers; after: Leftovers }> = [];
    for (const [lab, typical] of plan) {
      // A point in the run, counted from the moment it began (its folder exists), or before it began at all.
      const at = Math.round((random() - 0.1) * typical);
      const before = new Set(runFolders(home));
      const child = spawn(process.execPath, [CLI, 'run', lab, '--json'], { stdio: 'ignore', env: home.env });
      const exited = exitOf(child);
      if (at > 0) await until(`lab ${lab} began`, () => runFolders(home).some((r) => !before.has(r)), 30_000);
      await sleep(Math.abs(at));
      child.kill('SIGKILL');
      const { signal } = await exited;
      const runIds = runFolders(home).filter((r) => !before.has(r));
      const layers = runIds.flatMap((r) => layersOf(home, r));
      const made = await leftovers(home, runIds, layers);
      // The next command that touches the engine reaps the killed run.
      const next = await execa(process.execPath, [CLI, 'images', '--json'], { reject: false, env: home.env });
      expect(next.exitCode, next.stderr).toBe(0);
      const after = await leftovers(home, runIds, layers);
      killed.push({ lab, at, runIds, layers, made, after });
      expect(signal === 'SIGKILL' || signal === null).toBe(true);
      expect({ lab, at, after }).toEqual({ lab, at, after: NOTHING });
    }
    const all = killed.flatMap((k) => k.runIds);
    // And a scoped `down` of exactly these runs finds nothing more.
    const removed = await tearDown(engine!.docker, { runs: all, images: true });
    expect(removed).toEqual([]);
    figures.push(
      `crash test: ${killed.length} kills; ${killed.filter((k) => k.runIds.length).length} had begun a run; left by the kills (before the next command): ${JSON.stringify(sum(killed.map((k) => k.made)))}\n` +
        killed
          .map(
            (k) =>
              `  lab ${k.lab} ${k.at >= 0 ? `${k.at} ms into the run` : `${-k.at} ms after start${k.runIds.length ? '' : ', before the run began'}`}: left ${JSON.stringify(k.made)}`,
          )
          .join('\n') +
        `\n  leftovers after the next command: ${JSON.stringify(sum(killed.map((k) => k.after)))}; removed by a scoped down of those runs afterwards: ${removed.length}`,
    );
  });

  it('regression: a killed `run 2` does not block the next `run 2` on port 8080 (the reaper runs first)', { timeout: 120_000 }, async () => {
    const home = newHome();
    const child = spawn(process.execPath, [CLI, 'run', '2', '--json'], { stdio: 'ignore', env: home.env });
    const exited = exitOf(child);
    let runId = '';
    await until('lab 2 started its container', async () => {
      runId = runFolders(home)[0] ?? '';
      return runId !== '' && (await runContainers(runId)) > 0;
    });
    child.kill('SIGKILL');
    await exited;
    // The dead run's container still publishes 8080 when the next run starts.
    expect(await runContainers(runId)).toBeGreaterThan(0);
    const next = await execa(process.execPath, [CLI, 'run', '2', '--json'], { reject: false, env: home.env });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/PORT_IN_USE/);
    expect(await leftovers(home, [runId], [])).toEqual(NOTHING);
  });

  /** Runs docklab under a pseudo-terminal (util-linux `script`), so listr2 renders as for a person; Ctrl-C is a byte typed. */
  function atTerminal(home: Home, args: string): { child: ChildProcess; exited: Promise<{ code: number | null }>; output: () => string } {
    const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec node ${CLI} ${args}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...home.env, CI: '', TERM: 'xterm-256color', NO_COLOR: undefined },
    });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    return { child, exited: exitOf(child), output: () => text };
  }

  const ctrlC = (child: ChildProcess) => child.stdin!.write('\u0003');

  it('Ctrl-C at a terminal in each phase (set-up, checks, build, compose up): exit 130, nothing left', { timeout: 240_000 }, async () => {
    const trials: Array<{ lab: string; phase: string; when: (home: Home, runId: string) => Promise<boolean> }> = [
      { lab: '2', phase: 'set-up (run folder made, no container yet)', when: async () => true },
      { lab: '2', phase: 'checks (container running)', when: async (_, runId) => (await runContainers(runId)) > 0 },
      { lab: '19', phase: 'image build (a RUN or COPY step begun)', when: async (home, runId) => building(home, runId) },
      {
        lab: '10',
        phase: 'compose up (override written)',
        when: async (home, runId) => readdirSync(join(home.dir, 'runs', runId)).some((f) => f.startsWith('compose-')),
      },
    ];
    const lines: string[] = [];
    for (const trial of trials) {
      const home = newHome();
      const { child, exited, output } = atTerminal(home, `run ${trial.lab}`);
      let runId = '';
      await until(`lab ${trial.lab} reached ${trial.phase}`, async () => {
        runId = runFolders(home)[0] ?? '';
        return runId !== '' && (await trial.when(home, runId).catch(() => false));
      });
      const layers = layersOf(home, runId);
      ctrlC(child);
      const { code } = await exited;
      const after = await leftovers(home, [runId], [...layers, ...layersOf(home, runId)]);
      lines.push(`lab ${trial.lab}, ${trial.phase}: exit ${code}, left ${JSON.stringify(after)}`);
      expect({ phase: trial.phase, code, after }, output()).toEqual({ phase: trial.phase, code: 130, after: NOTHING });
      expect(output()).toMatch(/interrupted: removing what run \w+ of lab \d+ made/);
    }
    figures.push(`Ctrl-C at a terminal:\n  ${lines.join('\n  ')}`);
  });

  it('a second Ctrl-C skips the teardown and says what was left and how to remove it; the next command reaps it', { timeout: 120_000 }, async () => {
    const home = newHome();
    const { child, exited, output } = atTerminal(home, 'run 10');
    let runId = '';
    await until('lab 10 has containers', async () => {
      runId = runFolders(home)[0] ?? '';
      return runId !== '' && (await runContainers(runId)) > 0;
    });
    ctrlC(child);
    await until('the teardown began', () => /interrupted: removing/.test(output()), 10_000);
    ctrlC(child);
    const { code } = await exited;
    expect(code).toBe(130);
    expect(output()).toMatch(/teardown skipped; left run \w+ of lab 10; remove with: docklab down 10/);
    const next = await execa(process.execPath, [CLI, 'images', '--json'], { reject: false, env: home.env });
    expect(next.exitCode).toBe(0);
    expect(await leftovers(home, [runId], [])).toEqual(NOTHING);
  });

  it('a closed terminal (SIGHUP) during the checks takes the same teardown', { timeout: 120_000 }, async () => {
    const home = newHome();
    const { child } = atTerminal(home, 'run 10');
    let runId = '';
    await until('lab 10 has containers', async () => {
      runId = runFolders(home)[0] ?? '';
      return runId !== '' && (await runContainers(runId)) > 0;
    });
    const docklabPid = Number((await execa('pgrep', ['-P', String(child.pid)])).stdout.trim().split('\n')[0]);
    // Killing the terminal program closes the pseudo-terminal: the kernel hangs up on docklab.
    child.kill('SIGKILL');
    await until(
      'docklab ended',
      () => {
        try {
          process.kill(docklabPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      90_000,
    );
    const after = await leftovers(home, [runId], []);
    figures.push(`terminal closed during lab 10's checks: left ${JSON.stringify(after)}`);
    expect(after).toEqual(NOTHING);
  });

  it(
    'regression: Ctrl-C without a terminal (--json) while `compose up` runs: the whole process group gets SIGINT, nothing is left',
    { timeout: 120_000 },
    async () => {
      const home = newHome();
      // A process group of its own, as a shell's job: the signal reaches docklab and the compose tool at once, as Ctrl-C does.
      const child = spawn(process.execPath, [CLI, 'run', '10', '--json'], { stdio: ['ignore', 'ignore', 'pipe'], env: home.env, detached: true });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = exitOf(child);
      let runId = '';
      await until('compose up is running', async () => {
        runId = runFolders(home)[0] ?? '';
        if (!runId) return false;
        return (await execa('pgrep', ['-f', `docklab-10-${runId}.* up`], { reject: false })).stdout.trim() !== '';
      });
      process.kill(-child.pid!, 'SIGINT');
      const { code } = await exited;
      const after = await leftovers(home, [runId], []);
      figures.push(`--json, SIGINT to the process group during compose up: exit ${code}, left ${JSON.stringify(after)}`);
      expect({ code, after }, stderr).toEqual({ code: 130, after: NOTHING });
    },
  );

  it('regression: SIGTERM during `compose up` of lab 10 tears the stack down and exits 143', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    for (let trial = 0; trial < 2; trial++) {
      const home = newHome();
      const child = spawn(process.execPath, [CLI, 'run', '10', '--json'], { stdio: ['ignore', 'ignore', 'pipe'], env: home.env });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = exitOf(child);
      let runId = '';
      await until('compose up is running', async () => {
        runId = runFolders(home)[0] ?? '';
        if (!runId) return false;
        const compose = await execa('pgrep', ['-f', `docklab-10-${runId}.* up`], { reject: false });
        return compose.stdout.trim() !== '' && (trial === 0 || (await runContainers(runId)) > 0);
      });
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      const after = await leftovers(home, [runId], []);
      lines.push(`SIGTERM during compose up (${trial === 0 ? 'before containers' : 'containers made'}): exit ${code ?? signal}, left ${JSON.stringify(after)}`);
      expect({ code, signal, after }, stderr).toEqual({ code: 143, signal: null, after: NOTHING });
    }
    figures.push(lines.join('\n'));
  });

  it('regression: an interrupted `verify --all --parallel 2` tears down every run, not only the first to finish', { timeout: 180_000 }, async () => {
    const home = newHome();
    const root = mkdtempSync(join(tmpdir(), 'docklab-class-'));
    for (const name of ['ada', 'bob', 'cy']) flaskLearner(root, name);
    const child = spawn(process.execPath, [CLI, 'verify', '19', '--all', root, '--parallel', '2'], { stdio: ['ignore', 'ignore', 'pipe'], env: home.env });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = exitOf(child);
    const seen = new Set<string>();
    await until('two runs at once, one of them building', () => {
      for (const r of runFolders(home)) seen.add(r);
      return runFolders(home).length >= 2 && runFolders(home).some((r) => building(home, r));
    });
    child.kill('SIGINT');
    const { code } = await exited;
    for (const r of runFolders(home)) seen.add(r);
    const after = await leftovers(home, [...seen], []);
    figures.push(`verify --all --parallel 2, SIGINT with ${seen.size} runs going: exit ${code}, left ${JSON.stringify(after)}`);
    expect({ code, after }, stderr).toEqual({ code: 130, after: NOTHING });
    // The learners not yet begun were not begun after the interruption.
    expect(stderr).not.toMatch(/judging cy/);
  });

  it(
    "regression: two `run 2` at once: the loser says DOCKLAB_PORT_IN_USE naming the other run's container, never DOCKLAB_INTERNAL",
    { timeout: 180_000 },
    async () => {
      const home = newHome();
      const outcomes: string[] = [];
      for (let round = 0; round < 4; round++) {
        const [a, b] = await Promise.all([
          execa(process.execPath, [CLI, 'run', '2', '--json'], { reject: false, env: home.env }),
          execa(process.execPath, [CLI, 'run', '2', '--json'], { reject: false, env: home.env }),
        ]);
        for (const r of [a, b]) {
          expect([0, 2], r.stderr).toContain(r.exitCode);
          expect(r.stderr).not.toMatch(/DOCKLAB_INTERNAL|at .*\.js:\d+/);
          if (r.exitCode === 2) {
            expect(r.stderr.trim().split('\n')).toHaveLength(1);
            expect(r.stderr).toMatch(/host port 8080, .* is in use by container docklab-02-\w+-\S+ of docklab run \w+ \(lab 2\).*\[DOCKLAB_PORT_IN_USE\]/);
          }
          outcomes.push(String(r.exitCode));
        }
      }
      figures.push(`two run 2 at once, 4 rounds: exits ${outcomes.join(',')}`);
      expect(runFolders(home)).toEqual([]);
    },
  );
});

function sum(list: Leftovers[]): Leftovers {
  const total = { ...NOTHING };
  for (const l of list) for (const k of Object.keys(total) as Array<keyof Leftovers>) total[k] += l[k];
  return total;
}
