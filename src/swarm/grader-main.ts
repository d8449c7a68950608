import { mkdirSync, readFileSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-fs';
import { connectEngine } from '../engine/engine.js';
import { DocklabError } from '../errors.js';
import { imageIfPresent } from '../images/provisioner.js';
import { pullImage } from '../images/image-pull.js';
import { loadLab } from '../labs/lab-loader.js';
import { runLab } from '../labs/lab-runner.js';
import { interruption, isInterrupted } from '../util/interruption.js';
import { encodeResultLines, type GradedLearner } from './result-lines.js';
import { GRADER_LABEL, sweepGraderOrphans } from './node-sweep.js';
import { removeStoppedSweeps, removeWhenStopped, startFinisher } from './task-container-reaper.js';
import { EXTRACT_DIR, INDEX_FILE, learnerArchiveFile, LEARNERS_DIR, slotOf } from './grader-layout.js';

/**
 * The grader's entry point, inside a task of a class's replicated job: it
 * judges one learner on the node that runs it, through the node's engine
 * socket, and prints the outcome for the manager to read from the task's
 * logs. `sweep` (the class's clean-up job, one task per node) only reaps
 * what graders that are gone left on the node.
 *
 * Exit 0 means "judged" (pass, fail, or the learner's bad input, all in the
 * document); any other exit is a fault of the grading itself (no engine,
 * the learner's folder missing) and Swarm runs the task again.
 */
async function grade(): Promise<number> {
  const lab = await loadLab(requiredEnv('DOCKLAB_LAB'));
  const slot = slotOf(process.env.DOCKLAB_SLOT);
  const names = JSON.parse(readFileSync(join(LEARNERS_DIR, INDEX_FILE), 'utf8')) as string[];
  const name = names[slot];
  if (name === undefined) throw new Error(`slot ${slot} has no learner (the class has ${names.length})`);
  const dir = join(EXTRACT_DIR, name);
  mkdirSync(dir, { recursive: true });
  await pipeline(createReadStream(join(LEARNERS_DIR, learnerArchiveFile(slot))), tar.extract(dir));

  const { docker } = await connectEngine();
  // What graders killed before this one left on the node goes first, as the local reaper does for dead runs.
  await sweepGraderOrphans(docker).catch(() => []);
  const registry = process.env.DOCKLAB_SWARM_REGISTRY;
  if (registry) for (const image of lab.definition.images) await pullFromSwarmRegistry(registry, image);

  const doc: GradedLearner = { node: process.env.DOCKLAB_NODE };
  try {
    const run = await runLab(lab, {
      mode: 'verify',
      sourceDir: dir,
      balancer: process.env.DOCKLAB_LB === 'haproxy' ? 'haproxy' : process.env.DOCKLAB_LB === 'docklab' ? 'docklab' : undefined,
      output: 'silent',
    });
    doc.run = { runId: run.runId, status: run.status, results: run.results, durationMs: run.durationMs, output: run.output };
  } catch (error) {
    if (isInterrupted(error) || !(error instanceof DocklabError) || error.code === 'DOCKLAB_ENGINE_UNREACHABLE') throw error;
    doc.error = `${error.message} [${error.code}]`;
  }
  for (const line of encodeResultLines(doc)) process.stdout.write(`${line}\n`);
  return 0;

  /** The lab's image from the swarm's own registry, tagged under the name the lab uses, unless the node has it. */
  async function pullFromSwarmRegistry(registryAddress: string, image: string): Promise<void> {
    if (await imageIfPresent(docker, image)) return;
    const mirrored = `${registryAddress}/${image}`;
    const pulled = await pullImage(docker, mirrored);
    if (!pulled.ok) return; // the lab's own provisioning says what is missing
    const [repo, tag] = splitRef(image);
    await docker.getImage(mirrored).tag({ repo, tag });
  }
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest'];
}

function requiredArg(value: string | undefined, usage: string): string {
  if (!value) throw new Error(`usage: ${usage}`);
  return value;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the grader runs as a task that docklab schedules`);
  return value;
}

async function main(): Promise<number> {
  // The grader's image is built on the node:18 image, whose Node has no global File; the HTTP client the checks use needs one.
  const globals = globalThis as { File?: unknown };
  globals.File ??= (await import('node:buffer')).File;
  interruption.install();
  // The task's stop (service removed, Ctrl-C in docklab) is SIGTERM: the run's teardown runs, then the process exits.
  interruption.exit = (code) => process.exit(code);
  if (process.argv[2] === 'sweep') {
    const { docker } = await connectEngine();
    // The class's graders on this node are stopping (their service was removed): their own teardown goes first.
    const label = process.env.DOCKLAB_CLASS ? `${GRADER_LABEL}=${process.env.DOCKLAB_CLASS}` : GRADER_LABEL;
    for (let waited = 0; waited < 90; waited++) {
      const left = await docker.listContainers({ filters: JSON.stringify({ label: [label], status: ['running', 'restarting', 'removing'] }) });
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // The class's stopped graders go too: their tasks are gone with the service.
    const stopped = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [label], status: ['exited', 'dead', 'created'] }) });
    await Promise.all(
      stopped.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    const removed = await sweepGraderOrphans(docker);
    const sweeps = await removeStoppedSweeps(docker);
    process.stdout.write(`swept ${removed.length} resources, ${stopped.length} stopped graders, ${sweeps} stopped sweeps\n`);
    // Swarm never removes a finished job task's container: this one's own goes once it has stopped.
    if (process.env.DOCKLAB_TASK) await startFinisher(docker, process.env.DOCKLAB_TASK);
    return 0;
  }
  if (process.argv[2] === 'finish') {
    const { docker } = await connectEngine();
    await removeWhenStopped(docker, requiredArg(process.argv[3], 'finish CONTAINER'));
    return 0;
  }
  return grade();
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (isInterrupted(error)) return; // the interruption handler exits once its teardown is done
    process.stderr.write(
      `docklab grader: ${error instanceof DocklabError ? `${error.message} [${error.code}]` : ((error as Error)?.stack ?? String(error))}\n`,
    );
    process.exit(1);
  },
);
