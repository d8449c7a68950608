import type Docker from 'dockerode';
import { join } from 'node:path';
import { connectEngine } from '../engine/engine.js';
import { newRunId } from '../engine/labels.js';
import type { Lab } from '../labs/lab-definition.js';
import type { LabRunResult } from '../labs/lab-runner.js';
import { abortableDelay, interruption } from '../util/interruption.js';
import { ensureGraderImage } from './grader-image.js';
import { EXTRACT_DIR, INDEX_FILE, learnerArchiveFile, LEARNERS_DIR } from './grader-layout.js';
import { packClass } from './learner-archive.js';
import { GRADER_HOST_PREFIX, GRADER_LABEL } from './node-sweep.js';
import { decodeResultLines, demuxLogs } from './result-lines.js';
import { publishToSwarmRegistry, swarmRegistryPort } from './swarm-registry.js';
import {
  assertSwarmManager,
  listNodes,
  removeConfigs,
  removeService,
  serviceTasks,
  SWARM_LABEL,
  sweepNodes,
  taskLogs,
  type SwarmTask,
} from './swarm-manager.js';

export interface SwarmClassOptions {
  root: string;
  learners: string[];
  /** Learners judged at once across the swarm (the job's MaxConcurrent). */
  parallel: number;
  /** Per task: CPUs (1.5) and bytes of memory. */
  limitCpu?: number;
  limitMemoryBytes?: number;
  balancer?: 'haproxy' | 'docklab';
  /** How many times Swarm starts a learner's task again after a fault (a node that died, an engine that failed). */
  attempts?: number;
  /** A learner whose task has not completed after this long is not graded. */
  taskTimeoutMs?: number;
  onLine?: (line: string) => void;
}

export interface SwarmClassOutcome {
  name: string;
  run?: LabRunResult;
  error?: string;
  /** The node whose engine judged the learner. */
  node?: string;
}

export interface SwarmClassResult {
  outcomes: SwarmClassOutcome[];
  /** Learners judged per node ("hostname (address)"). */
  tasksPerNode: Record<string, number>;
}

const TERMINAL_FAULTS = new Set(['failed', 'rejected', 'orphaned', 'remove']);
const POLL_MS = 1_000;

/**
 * A class on a Swarm: every learner is one task of a replicated job running
 * docklab's grader on whichever node Swarm picks, with that node's engine
 * socket mounted. Learners' folders travel as configs; results come back in
 * the tasks' logs and are turned into the same runs a local `--all` makes,
 * so the same table, summaries and JUnit follow. A learner whose task never
 * completes is not graded, with the reason; never a failed check.
 */
export async function gradeClassOnSwarm(lab: Lab, options: SwarmClassOptions): Promise<SwarmClassResult> {
  const engine = await connectEngine();
  const docker = engine.docker;
  await assertSwarmManager(docker, engine.endpoint.address);
  // Every folder must fit before anything is made on the swarm.
  const archives = await packClass(options.root, options.learners);
  const signal = interruption.signal;
  let image = await ensureGraderImage(docker, { onLine: options.onLine, signal });
  const registryPort = await swarmRegistryPort(docker);
  if (registryPort) image = await publishToSwarmRegistry(docker, registryPort, image, lab.definition.images, options.onLine);
  else
    options.onLine?.(
      `the swarm has no registry of docklab's (\`docklab swarm prepare\`): every node needs ${image} and ${lab.definition.images.join(', ')} already`,
    );

  const klass = newRunId();
  const classLabel = `${SWARM_LABEL.klass}=${klass}`;
  const labels = { 'io.docklab': 'true', 'io.docklab.lab': lab.id, [SWARM_LABEL.klass]: klass };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      // Removing the services stops every grader (SIGTERM: each tears its run down); the sweep then takes what killed ones left.
      await removeServices(docker, classLabel).catch(() => undefined);
      await sweepNodes(docker, `docklab-sweep-${klass}`, { image, klass }).catch((error) => options.onLine?.(`clean-up: ${(error as Error).message}`));
      await removeConfigs(docker, classLabel).catch(() => undefined);
    })());
  const unregister = interruption.register({ what: `class ${klass} of lab ${lab.number} on the swarm`, remedy: 'docklab swarm clean', run: cleanup });
  try {
    const index = await createConfig(docker, `docklab-${klass}-index`, labels, Buffer.from(JSON.stringify(options.learners)), INDEX_FILE);
    const archivesAsConfigs: MountedConfig[] = [];
    for (const [slot, archive] of archives.entries()) {
      signal.throwIfAborted();
      archivesAsConfigs.push(await createConfig(docker, `docklab-${klass}-${slot}`, labels, archive, learnerArchiveFile(slot)));
    }
    const attempts = options.attempts ?? 3;
    const spec = (name: string, slot: string, configs: MountedConfig[], completions: number, avoidNodes: string[] = []) =>
      graderService({ name, image, klass, lab, labels, slot, configs, completions, avoidNodes, attempts, registryPort, options });
    const service = (await docker.createService(
      spec(`docklab-grade-${klass}`, '{{.Task.Slot}}', [index, ...archivesAsConfigs], options.learners.length) as never,
    )) as { id?: string; ID?: string };
    // Swarm does not start a job's task again when its node dies: such a learner gets a job of its own on the nodes that are up.
    const rescue = async (slot: number, avoidNodes: string[], attempt: number) => {
      const created = (await docker.createService(
        spec(`docklab-grade-${klass}-${slot}-${attempt}`, String(slot), [index, archivesAsConfigs[slot]!], 1, avoidNodes) as never,
      )) as { id?: string; ID?: string };
      return created.id ?? created.ID!;
    };
    return await gather(docker, lab, service.id ?? service.ID!, rescue, options, attempts, signal);
  } finally {
    await cleanup();
    unregister();
  }
}

interface MountedConfig {
  id: string;
  name: string;
  file: string;
}

async function createConfig(docker: Docker, name: string, labels: Record<string, string>, data: Buffer, file: string): Promise<MountedConfig> {
  const created = (await docker.createConfig({ Name: name, Labels: labels, Data: data.toString('base64') } as never)) as { id?: string; ID?: string };
  return { id: created.id ?? created.ID!, name, file };
}

async function removeServices(docker: Docker, label: string): Promise<void> {
  const services = (await docker.listServices({ filters: JSON.stringify({ label: [label] }) })) as Array<{
    ID: string;
    Spec: { Labels?: Record<string, string> };
  }>;
  await Promise.all(services.filter((s) => s.Spec.Labels?.[SWARM_LABEL.kind] === 'grade').map((s) => removeService(docker, s.ID)));
}

interface GraderServiceRequest {
  name: string;
  image: string;
  klass: string;
  lab: Lab;
  labels: Record<string, string>;
  /** The learner's index, or Swarm's slot template for the class's job. */
  slot: string;
  configs: MountedConfig[];
  completions: number;
  avoidNodes: string[];
  attempts: number;
  registryPort?: number;
  options: SwarmClassOptions;
}

/** The replicated job of graders: one task per learner, the node's socket mounted, the learners' folders as configs. */
function graderService(r: GraderServiceRequest): object {
  return {
    Name: r.name,
    Labels: { ...r.labels, [SWARM_LABEL.kind]: 'grade' },
    TaskTemplate: {
      ContainerSpec: {
        Image: r.image,
        // The runs a grader makes are owned by this name: the node's sweep knows a gone grader's runs by it.
        Hostname: `${GRADER_HOST_PREFIX}{{.Task.ID}}`,
        Labels: { [GRADER_LABEL]: r.klass },
        Env: [
          `DOCKLAB_LAB=${r.lab.id}`,
          `DOCKLAB_SLOT=${r.slot}`,
          'DOCKLAB_NODE={{.Node.ID}}',
          ...(r.options.balancer ? [`DOCKLAB_LB=${r.options.balancer}`] : []),
          ...(r.registryPort ? [`DOCKLAB_SWARM_REGISTRY=127.0.0.1:${r.registryPort}`] : []),
        ],
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
        Configs: r.configs.map((c) => ({ ConfigID: c.id, ConfigName: c.name, File: { Name: join(LEARNERS_DIR, c.file), UID: '0', GID: '0', Mode: 0o444 } })),
        // Time for the grader's own teardown when the class is interrupted.
        StopGracePeriod: 60_000_000_000,
      },
      Resources: {
        Limits: {
          ...(r.options.limitCpu ? { NanoCPUs: Math.round(r.options.limitCpu * 1e9) } : {}),
          ...(r.options.limitMemoryBytes ? { MemoryBytes: r.options.limitMemoryBytes } : {}),
        },
      },
      Placement: { Constraints: r.avoidNodes.map((id) => `node.id!=${id}`) },
      RestartPolicy: { Condition: 'on-failure', MaxAttempts: r.attempts, Delay: 1_000_000_000 },
      // The checks reach what a learner's container publishes on the node's own loopback.
      Networks: [{ Target: 'host' }],
    },
    Mode: { ReplicatedJob: { MaxConcurrent: Math.min(r.options.parallel, r.completions), TotalCompletions: r.completions } },
  };
}

/** How long a task may sit on a node that is down before its learner is started again elsewhere. */
const STRANDED_GRACE_MS = 3_000;

/** Polls the job's tasks until every learner is graded or given up on; reads each result as soon as its task completes. */
async function gather(
  docker: Docker,
  lab: Lab,
  serviceId: string,
  rescue: (slot: number, avoidNodes: string[], attempt: number) => Promise<string>,
  options: SwarmClassOptions,
  attempts: number,
  signal: AbortSignal,
): Promise<SwarmClassResult> {
  const settled = new Map<number, SwarmClassOutcome>();
  const unreadable = new Map<number, number>();
  const started = new Map<number, number>();
  const strandedSince = new Map<string, number>();
  const rescues = new Map<string, number>();
  const rescuedAt = new Map<number, number>();
  const timeoutMs = options.taskTimeoutMs ?? 20 * 60_000;
  const total = options.learners.length;
  while (settled.size < total) {
    signal.throwIfAborted();
    const nodes = await listNodes(docker);
    const bySlot = new Map<number, SwarmTask[]>();
    const add = (slot: number, task: SwarmTask) => bySlot.set(slot, [...(bySlot.get(slot) ?? []), task]);
    for (const task of await serviceTasks(docker, serviceId)) add(task.Slot ?? 0, task);
    for (const [id, slot] of rescues) for (const task of await serviceTasks(docker, id)) add(slot, task);
    const nodeName = (id?: string) => nodes.find((n) => n.id === id)?.name ?? id ?? 'no node';
    const down = nodes.filter((n) => n.state !== 'ready').map((n) => n.id);
    const now = Date.now();
    for (let slot = 0; slot < total; slot++) {
      if (settled.has(slot)) continue;
      const name = options.learners[slot]!;
      const own = (bySlot.get(slot) ?? []).sort((a, b) => String(a.CreatedAt).localeCompare(String(b.CreatedAt)));
      // A task that completed on a node that is now down cannot hand its logs over: unless the node
      // comes back, its learner is started again elsewhere, as for a task that was still running there.
      const complete = own.find((t) => t.Status.State === 'complete' && !(t.NodeID && down.includes(t.NodeID)));
      if (complete) {
        const logs = await taskLogs(docker, complete.ID);
        const doc = logs ? decodeResultLines(demuxLogs(logs)) : undefined;
        if (doc) {
          settled.set(slot, toOutcome(lab, name, join(options.root, name), doc, nodeName(complete.NodeID)));
          options.onLine?.(`graded ${name} on ${nodeName(complete.NodeID)}`);
        } else if ((unreadable.get(slot) ?? 0) >= 10) {
          settled.set(slot, {
            name,
            error: `not graded: its task completed on ${nodeName(complete.NodeID)}, but its result could not be read from the task's logs`,
          });
        } else unreadable.set(slot, (unreadable.get(slot) ?? 0) + 1);
        continue;
      }
      const stranded = own.filter((t) => !TERMINAL_FAULTS.has(t.Status.State) && t.NodeID !== undefined && down.includes(t.NodeID));
      for (const t of stranded) if (!strandedSince.has(t.ID)) strandedSince.set(t.ID, now);
      const faults = own.filter((t) => TERMINAL_FAULTS.has(t.Status.State) || stranded.includes(t));
      const last = faults.at(-1);
      if (faults.length > attempts) {
        settled.set(slot, {
          name,
          error: `not graded: its task did not complete in ${faults.length} attempts; the last ${describeFault(last!, nodeName(last!.NodeID), down)}`,
        });
        continue;
      }
      const live = own.filter((t) => !TERMINAL_FAULTS.has(t.Status.State) && !stranded.includes(t));
      const waitedOut = stranded.some((t) => now - strandedSince.get(t.ID)! >= STRANDED_GRACE_MS);
      if (live.length === 0 && waitedOut && now - (rescuedAt.get(slot) ?? 0) > 15_000) {
        rescuedAt.set(slot, now);
        options.onLine?.(`${name}: the node judging them went down; starting them again on another node`);
        rescues.set(await rescue(slot, down, faults.length), slot);
      }
      if (own.some((t) => t.Status.State === 'running')) started.set(slot, started.get(slot) ?? now);
      const since = started.get(slot);
      if (since !== undefined && now - since > timeoutMs) {
        settled.set(slot, { name, error: `not graded: its task did not complete within ${Math.round(timeoutMs / 60_000)} min` });
      }
    }
    if (settled.size < total) await abortableDelay(POLL_MS, signal);
  }
  const outcomes = [...settled.values()].sort((a, b) => a.name.localeCompare(b.name));
  const tasksPerNode: Record<string, number> = {};
  for (const o of outcomes) if (o.node) tasksPerNode[o.node] = (tasksPerNode[o.node] ?? 0) + 1;
  return { outcomes, tasksPerNode };
}

function describeFault(task: SwarmTask, node: string, down: string[]): string {
  if (task.NodeID && down.includes(task.NodeID) && !TERMINAL_FAULTS.has(task.Status.State)) return `was on ${node}, which went down`;
  const why = task.Status.Err || task.Status.Message || task.Status.State;
  return `${task.Status.State} on ${node}: ${why}`;
}

/** The grader's document as the run a local --all would have made; paths inside the task read as the learner's own folder. */
function toOutcome(lab: Lab, name: string, localDir: string, doc: ReturnType<typeof decodeResultLines> & object, node: string): SwarmClassOutcome {
  const inTask = join(EXTRACT_DIR, name);
  const local = (text: string | undefined) => text?.split(inTask).join(localDir);
  if (!doc.run) return { name, node, error: local(doc.error) ?? 'not graded: the grader reported nothing' };
  const results = doc.run.results.map((r) => ({
    ...r,
    expected: local(r.expected),
    found: local(r.found),
    hint: local(r.hint),
    reason: local(r.reason),
    details: r.details?.map((d) => local(d)!),
  }));
  return {
    name,
    node,
    run: {
      lab,
      runId: doc.run.runId,
      mode: 'verify',
      sourceDir: localDir,
      status: doc.run.status,
      results,
      durationMs: doc.run.durationMs,
      output: doc.run.output,
    },
  };
}
