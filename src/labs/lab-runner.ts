import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../checks/check.js';
import { executeCheck } from '../checks/check-executor.js';
import { connectEngine } from '../engine/engine.js';
import { newRunId } from '../engine/labels.js';
import { reapOrphans } from '../engine/reaper.js';
import { createRunFolder, runFolder } from '../engine/run-folder.js';
import { COMPOSE_FILE_NAMES, findComposeFile, isComposeFileName } from '../engine/compose-file-finder.js';
import { tearDown, tearDownRunFiles } from '../engine/teardown.js';
import { assertDockerfileUsable, defaultDockerfile } from '../images/image-build.js';
import { withSignal } from '../util/ambient-signal.js';
import { interruption, raceAbort } from '../util/interruption.js';
import { DocklabError } from '../errors.js';
import { ensureImage } from '../images/provisioner.js';
import { listrRenderer } from '../util/terminal.js';
import { entryExists, LabContext, type LabMode } from './lab-context.js';
import { planRun, setUp } from './run-plan.js';
import type { Lab } from './lab-definition.js';

export interface LabRunOptions {
  mode: LabMode;
  /** The folder judged; default: the lab's solution/ for run, none for a state verify. */
  sourceDir?: string;
  keep?: boolean;
  /** Values of the lab's own options (declared in its defineLab), by name: `{ lb: 'docklab' }`. */
  labOptions?: Record<string, string | undefined>;
  /** The older spellings of two lab options: `labOptions.registry` and `labOptions.lb`. */
  registry?: string;
  balancer?: 'haproxy' | 'docklab';
  /** 'silent' for library callers and parallel verifications. */
  output?: 'listr' | 'silent';
  onLine?: (line: string) => void;
  /** Stops the run (its teardown still runs); SIGINT and the like stop it too. */
  signal?: AbortSignal;
}

export interface LabRunResult {
  lab: Lab;
  runId: string;
  mode: LabMode;
  sourceDir?: string;
  status: 'pass' | 'fail';
  results: CheckResult[];
  durationMs: number;
  /** What the lab's setup and checks wanted shown (sizes, timings, command output). */
  output: string[];
}

/**
 * Provisions the lab's images, runs its setup from the folder judged, runs
 * every check in order, then removes everything the run made unless kept.
 * Resources are labelled with the run id from the start, so an interrupted
 * run is cleaned by teardown here or, after a SIGKILL, by the next reaper.
 */
export async function runLab(lab: Lab, options: LabRunOptions): Promise<LabRunResult> {
  const started = Date.now();
  // Bad input is reported before the engine is touched.
  const sourceDir = resolveSourceDir(lab, options);
  const engine = await connectEngine();
  // Killed runs are reaped before this one claims ports and names: a dead
  // `run 2` must not hold the port the next `run 2` prescribes.
  await reapOrphans(engine.docker, { beforeRun: true }).catch(() => []);
  const runId = newRunId();
  createRunFolder(runId, lab.id);
  const signal = AbortSignal.any([interruption.signal, ...(options.signal ? [options.signal] : [])]);
  const labOptions = {
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.balancer ? { lb: options.balancer } : {}),
    ...options.labOptions,
  };
  const ctx = new LabContext(engine, lab, options.mode, runId, sourceDir, { keep: options.keep, labOptions, onLine: options.onLine, signal });
  const results: CheckResult[] = [];
  const definition = lab.definition;
  const plan = planRun(definition, { mode: options.mode, sourceDir });

  // The step in progress, so that the teardown of an interrupted run starts once it stopped making things.
  let current: Promise<unknown> = Promise.resolve();
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (signal.aborted) await Promise.race([current.catch(() => undefined), new Promise((r) => setTimeout(r, STEP_SETTLE_MS).unref())]);
      if (options.keep) {
        await tearDownRunFiles(engine.docker, runId, { keepBuildCache: true }).catch(() => []);
        return;
      }
      // The lab's own teardown (a compose `down`) runs with a signal of its own: the run's may be aborted.
      if (definition.teardown) await withSignal(AbortSignal.timeout(120_000), () => definition.teardown!(ctx)).catch(() => undefined);
      await ctx.untagForeign();
      await tearDown(engine.docker, { runs: [runId], images: true, keepBuildCache: !signal.aborted });
      await tearDownRunFiles(engine.docker, runId, { keepBuildCache: !signal.aborted });
    })());
  const unregister = interruption.register({
    what: `run ${runId} of lab ${lab.number}`,
    remedy: `docklab down ${lab.number}`,
    run: cleanup,
    // Runs of one class share build layers: what one run's teardown found still in use by another's is removed once all are done.
    // A last label sweep as well: an engine call already on its way when the signal came may have made something since.
    afterAll: async () => {
      if (options.keep) return;
      await tearDown(engine.docker, { runs: [runId], images: true });
      if (existsSync(runFolder(runId))) await tearDownRunFiles(engine.docker, runId, { keepBuildCache: false });
    },
  });

  try {
    const steps: Step[] = [
      {
        title: `Images: ${definition.images.join(', ') || 'none'}`,
        makesThings: false,
        run: async (report) => {
          for (const image of definition.images) {
            signal.throwIfAborted();
            report(image);
            const provisioned = await ensureImage(engine.docker, image, { onLine: report });
            // A stand-in built now is used for the first time: say plainly what it is.
            if (provisioned.description) ctx.log(provisioned.description);
          }
        },
      },
      ...(plan.setUp.kind !== 'none'
        ? [
            {
              title: `Set up from ${plan.setUp.from}`,
              run: async () => void (ctx.scenario = await withSignal(signal, () => setUp(ctx, definition, plan, ctx.handles))),
            },
          ]
        : []),
      ...definition.checks.map((check) => ({
        title: check.title,
        run: async () => {
          const result = await executeCheck(check, ctx, results, signal, ctx.handles);
          results.push(result);
          return result.status === 'skipped' ? `skipped: ${result.reason}` : result.status === 'fail' ? 'FAILED' : undefined;
        },
      })),
    ];
    await runSteps(steps, options.output ?? 'listr', signal, (p) => (current = p));
  } catch (error) {
    // An interruption ends the run with its reason, whatever the step made of it.
    throw signal.aborted ? signal.reason : error;
  } finally {
    await cleanup();
    unregister();
  }
  const status = results.length === definition.checks.length && results.every((r) => r.status === 'pass') ? 'pass' : 'fail';
  return { lab, runId, mode: options.mode, sourceDir, status, results, durationMs: Date.now() - started, output: [...ctx.output] };
}

/** How long an interruption waits for the step in progress to stop before tearing down beside it. */
const STEP_SETTLE_MS = 15_000;

function resolveSourceDir(lab: Lab, options: LabRunOptions): string | undefined {
  const definition = lab.definition;
  const dir = options.sourceDir ?? (options.mode === 'run' ? join(lab.dir, 'solution') : undefined);
  if (!planRun(definition, { mode: options.mode }).needsFolder && options.mode === 'verify') return dir;
  if (!dir) {
    throw new DocklabError('DOCKLAB_USAGE', `lab ${Number(lab.id)} judges your files: pass the folder with --dir DIR`);
  }
  if (!existsSync(dir))
    throw new DocklabError('DOCKLAB_FILE_MISSING', `folder ${dir} does not exist; create it with \`docklab init ${Number(lab.id)} ${dir}\``);
  // A symlink counts as present even when it leads nowhere: the build says what is wrong with it.
  // A compose file counts under any name `docker compose` finds by itself (compose.yaml first).
  const present = (f: string) =>
    entryExists(join(dir, f)) || (f === 'Dockerfile' && entryExists(join(dir, 'dockerfile'))) || (isComposeFileName(f) && findComposeFile(dir) !== undefined);
  const missing = (definition.requiredFiles ?? []).filter((f) => !present(f));
  const named = (f: string) => (isComposeFileName(f) ? `a compose file (${COMPOSE_FILE_NAMES.join(', ')})` : f);
  if (missing.length > 0 && options.mode === 'verify') {
    throw new DocklabError(
      'DOCKLAB_SOLUTION_INCOMPLETE',
      `${dir} lacks ${missing.map(named).join(', ')}, which lab ${Number(lab.id)} needs; \`docklab show ${Number(lab.id)}\` says what each is for`,
    );
  }
  if (options.mode === 'verify' && definition.requiredFiles?.includes('Dockerfile')) assertDockerfileUsable(dir, defaultDockerfile(dir));
  return dir;
}

interface Step {
  title: string;
  /** False for a step that makes nothing of the run's own (the images step). */
  makesThings?: boolean;
  /** Returns a word to show beside the title when it did not simply pass. */
  run(report: (line: string) => void): Promise<string | undefined | void>;
}

/**
 * Steps in order: with listr2's progress at a terminal, or silently for
 * callers that report themselves. An interruption ends the step in
 * progress at once; the teardown then waits for it to stop making things.
 */
async function runSteps(steps: Step[], output: 'listr' | 'silent', signal: AbortSignal, track: (step: Promise<unknown>) => void): Promise<void> {
  const run = (step: Step, report: (line: string) => void) => {
    signal.throwIfAborted();
    const running = step.run(report);
    // Provisioning shared images makes nothing of the run's: the teardown need not wait for it.
    if (step.makesThings !== false) track(running);
    return raceAbort(running, signal);
  };
  if (output === 'silent') {
    for (const step of steps) await run(step, () => {});
    return;
  }
  const { Listr } = await import('listr2');
  await new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_: unknown, task: { title: string; output: string }) => {
        const note = await run(step, (line) => (task.output = line));
        if (note) task.title = `${step.title}: ${note}`;
      },
    })),
    // docklab's own handler takes SIGINT: listr2's would exit before the teardown.
    { concurrent: false, exitOnError: true, ...listrRenderer() },
  ).run();
}
