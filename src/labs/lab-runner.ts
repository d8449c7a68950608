import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../checks/check.js';
import { executeCheck } from '../checks/check-executor.js';
import { connectEngine } from '../engine/engine.js';
import { newRunId } from '../engine/labels.js';
import { reapOrphans } from '../engine/reaper.js';
import { tearDown } from '../engine/teardown.js';
import { DocklabError } from '../errors.js';
import { ensureImage } from '../images/provisioner.js';
import { listrRenderer } from '../util/terminal.js';
import { LabContext, type LabMode } from './lab-context.js';
import type { Lab } from './lab-definition.js';

export interface LabRunOptions {
  mode: LabMode;
  /** The folder judged; default: the lab's solution/ for run, none for a state verify. */
  sourceDir?: string;
  keep?: boolean;
  registry?: string;
  /** Lab 0: which load balancer reads the haproxy.cfg. */
  balancer?: 'haproxy' | 'docklab';
  /** 'silent' for library callers and parallel verifications. */
  output?: 'listr' | 'silent';
  onLine?: (line: string) => void;
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
  // Other runs' orphans are swept beside this run, not before it.
  const reaping = reapOrphans(engine.docker).catch(() => []);
  const runId = newRunId();
  const ctx = new LabContext(engine, lab, options.mode, runId, sourceDir, { keep: options.keep, registry: options.registry, balancer: options.balancer, onLine: options.onLine });
  const results: CheckResult[] = [];
  const definition = lab.definition;
  const runSetup = definition.setup && (options.mode === 'run' || definition.evidence !== 'state');

  const cleanup = async () => {
    if (options.keep) return;
    if (definition.teardown) await definition.teardown(ctx).catch(() => undefined);
    await tearDown(engine.docker, { runs: [runId], images: true, keepBuildCache: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const steps: Step[] = [
      {
        title: `Images: ${definition.images.join(', ') || 'none'}`,
        run: async (report) => {
          for (const image of definition.images) {
            report(image);
            await ensureImage(engine.docker, image, { onLine: report });
          }
        },
      },
      ...(runSetup ? [{ title: `Set up from ${sourceDir ?? 'the engine state'}`, run: async () => definition.setup!(ctx) }] : []),
      ...definition.checks.map((check) => ({
        title: check.title,
        run: async () => {
          const result = await executeCheck(check, ctx, results);
          results.push(result);
          return result.status === 'skipped' ? `skipped: ${result.reason}` : result.status === 'fail' ? 'FAILED' : undefined;
        },
      })),
    ];
    await runSteps(steps, options.output ?? 'listr');
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
    await reaping;
  }
  const status = results.length === definition.checks.length && results.every((r) => r.status === 'pass') ? 'pass' : 'fail';
  return { lab, runId, mode: options.mode, sourceDir, status, results, durationMs: Date.now() - started, output: [...ctx.output] };
}

function resolveSourceDir(lab: Lab, options: LabRunOptions): string | undefined {
  const definition = lab.definition;
  const dir = options.sourceDir ?? (options.mode === 'run' ? join(lab.dir, 'solution') : undefined);
  if (options.mode === 'verify' && definition.evidence === 'state') return dir;
  if (!dir) {
    throw new DocklabError('DOCKLAB_USAGE', `lab ${Number(lab.id)} judges your files: pass the folder with --dir DIR`);
  }
  if (!existsSync(dir)) throw new DocklabError('DOCKLAB_FILE_MISSING', `folder ${dir} does not exist; create it with \`docklab init ${Number(lab.id)} ${dir}\``);
  const missing = (definition.requiredFiles ?? []).filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0 && options.mode === 'verify') {
    throw new DocklabError('DOCKLAB_SOLUTION_INCOMPLETE', `${dir} lacks ${missing.join(', ')}, which lab ${Number(lab.id)} needs; \`docklab show ${Number(lab.id)}\` says what each is for`);
  }
  return dir;
}

interface Step {
  title: string;
  /** Returns a word to show beside the title when it did not simply pass. */
  run(report: (line: string) => void): Promise<string | undefined | void>;
}

/** Steps in order: with listr2's progress at a terminal, or silently for callers that report themselves. */
async function runSteps(steps: Step[], output: 'listr' | 'silent'): Promise<void> {
  if (output === 'silent') {
    for (const step of steps) await step.run(() => {});
    return;
  }
  const { Listr } = await import('listr2');
  await new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_: unknown, task: { title: string; output: string }) => {
        const note = await step.run((line) => (task.output = line));
        if (note) task.title = `${step.title}: ${note}`;
      },
    })),
    { concurrent: false, exitOnError: true, ...listrRenderer() },
  ).run();
}
