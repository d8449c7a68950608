import { appendFileSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  assembleContext,
  defineLab,
  fail,
  pass,
  passWith,
  waitForHttp,
  waitForLogLine,
  type BuildResult,
  type BuildStep,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

const IMAGE = 'cache-demo';
const INSTALL = /\b(npm\s+(ci|install|i)\b|yarn(\s+install)?\b|pnpm\s+(install|i)\b)/;

type Built = BuildResult & { ref: string };

/** What the first build hands on: the build, and the working copy the rebuild changes. */
interface FirstBuild {
  built: Built;
  copy: string;
}

/** What the rebuild hands on: the image it made, and the line the changed code prints. */
interface Rebuild {
  second: Built;
  marker: string;
}

/** The shared app laid under the folder (defineLab's templates): the working copy is made of it too. */
const TEMPLATES = ['node-hello'];

/** A private copy of the folder judged, which the checks may change. */
function workingCopy(ctx: CheckContext): string {
  const templates = TEMPLATES;
  let dir: string;
  if (ctx.mode === 'run' && templates.length) {
    dir = assembleContext(templates, ctx.sourcePath(), ctx.tempDir('copy'));
  } else {
    dir = ctx.tempDir('copy');
    cpSync(ctx.sourcePath(), dir, { recursive: true, filter: (src) => !/[/\\](node_modules|\.git)([/\\]|$)/.test(src) });
  }
  return dir;
}

function removeCopy(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The app's entry file: package.json "main", else index.js. */
function sourceFile(dir: string): string {
  try {
    const main = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: string }).main;
    if (main && existsSync(join(dir, main))) return main;
  } catch {
    // no readable package.json: the default below
  }
  return 'index.js';
}

function installStep(build: Built): BuildStep | undefined {
  return build.steps.find((s) => s.keyword === 'RUN' && INSTALL.test(s.command));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "step 3: RUN npm install" (legacy builder) or "[2/5] RUN npm install" (BuildKit), as each builder numbers its steps. */
function short(step: BuildStep): string {
  return step.instruction.replace(/^Step (\d+)\/\d+ : /, 'step $1: ');
}

/** What the builder prints for a step it took from the cache. */
function cacheWord(build: BuildResult): string {
  return build.builder === 'buildkit' ? 'CACHED' : 'Using cache';
}

/** Builds a working copy of the folder from scratch; hands on the build and the copy. */
const firstBuild: Check<FirstBuild> = {
  id: 'first-build',
  title: 'The Dockerfile builds from scratch (no cache)',
  timeoutMs: 600_000,
  run: async (ctx) => {
    const dir = workingCopy(ctx);
    const built = await ctx.build({ name: IMAGE, tag: 'first', dir, noCache: true }).catch((error: unknown) => {
      removeCopy(dir);
      throw error;
    });
    const install = installStep(built);
    if (!install) {
      removeCopy(dir);
      return fail(
        'a RUN step that installs the dependencies (npm install / npm ci)',
        `steps: ${built.steps.map(short).join('; ')}`,
        'the app needs its dependencies in the image: RUN npm install after copying package.json',
      );
    }
    return passWith({ built, copy: dir }, `${built.steps.length} steps in ${seconds(built.durationMs)}; the install is ${short(install)}`);
  },
};

/** Changes the code in the working copy and builds again; hands on the rebuilt image. */
const installCached: Check<Rebuild> = {
  id: 'install-cached',
  title: 'After a change to the code alone, the rebuild takes the install step from the cache',
  dependsOn: [firstBuild],
  timeoutMs: 600_000,
  run: async (ctx) => {
    const { built: first, copy: dir } = ctx.get(firstBuild);
    const file = sourceFile(dir);
    const marker = `docklab rebuild ${ctx.runId}`;
    appendFileSync(join(dir, file), `\nconsole.log(${JSON.stringify(marker)});\n`);
    const second = await ctx.build({ name: IMAGE, tag: 'second', dir }).finally(() => removeCopy(dir));
    const install = installStep(second)!;
    const timing = `first build ${seconds(first.durationMs)}, rebuild ${seconds(second.durationMs)}`;
    ctx.log(`changed ${file}; ${timing}`);
    // The LABEL step docklab adds to mark its images is not the learner's.
    const own = second.steps.filter((s) => !s.command.includes('io.docklab'));
    const cached = own.filter((s) => s.cached).map(short);
    const rebuilt = own.filter((s) => !s.cached && s.keyword !== 'FROM').map(short);
    const details = [`from the cache: ${cached.join('; ') || 'nothing'}`, `run again: ${rebuilt.join('; ') || 'nothing'}`];
    if (!install.cached) {
      const sourceCopy = second.steps.find(
        (s) => !s.cached && (s.keyword === 'COPY' || s.keyword === 'ADD') && second.steps.indexOf(s) < second.steps.indexOf(install),
      );
      return fail(
        `${short(install)} taken from the cache ("${cacheWord(second)}") when only ${file} changed`,
        `it ran again (${timing})${sourceCopy ? `, because ${short(sourceCopy)} copies ${file} before it` : ''}`,
        `copy only the package manifest (package.json, and package-lock.json if you have one) before the install, and the rest of the code after it: a COPY whose files changed invalidates the cache for every later step`,
        details,
      );
    }
    return passWith({ second, marker }, `${short(install)}: ${cacheWord(second)}; ${timing}`, details);
  },
};

export default defineLab({
  title: 'Use the build cache',
  summary: 'Order a Node.js Dockerfile so that a change to the code reuses the dependency install from the build cache.',
  images: ['node:18'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'package.json'],
  templates: TEMPLATES,
  checks: [
    firstBuild,
    installCached,
    {
      id: 'change-included',
      title: 'The rebuilt image runs the changed code and answers "Hello World" on port 3000',
      dependsOn: [installCached],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const { second, marker } = ctx.get(installCached);
        const container = await ctx.runContainer({ name: 'app', image: second.ref, ports: { '3000': 0 } });
        await waitForLogLine(
          ctx,
          container.id,
          new RegExp(marker),
          `the changed ${'code'} is not what runs: the cache must never hide a change, so the code must be copied after the install, not left out`,
          { timeoutMs: 20_000 },
        );
        const port = await ctx.hostPort(container.id, '3000');
        if (!port) return fail('port 3000 published', 'no published port', 'docklab publishes port 3000 itself');
        const answer = await waitForHttp(
          ctx,
          `http://127.0.0.1:${port}/`,
          { status: 200, body: 'Hello World' },
          'the app must listen on port 3000 on all addresses',
          { containerId: container.id, timeoutMs: 20_000 },
        );
        return pass(`printed "${marker}" and answered HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 40))}`);
      },
    },
  ],
});
