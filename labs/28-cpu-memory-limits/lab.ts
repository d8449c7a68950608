import type Docker from 'dockerode';
import {
  binarySize,
  containerName,
  containerRunsImage,
  defineLab,
  fail,
  findContainer,
  pass,
  passWith,
  readStatsSample,
  waitUntil,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

const LIMITED = 'limited';
const HOG = 'memory-hog';
/** By repository, any tag or digest, or the same image under another name. */
const BUSYBOX = ['busybox'];
/** The limits the task asks for: half a CPU, 32 MiB, and no swap beyond it (--memory-swap equal to --memory). */
const WANTED_CPUS = 0.5;
const WANTED_MEMORY = 32 * 1024 * 1024;
/** Two busy loops, bounded in time, so that more than one CPU's worth is asked for. */
const BUSY = 'for n in 1 2; do timeout 4 sh -c "while :; do :; done" & done; wait';

/** The CPU limit in CPUs: --cpus sets NanoCpus; --cpu-quota/--cpu-period set the pair. */
function cpuLimit(info: Docker.ContainerInspectInfo): number | undefined {
  const host = info.HostConfig;
  if (host.NanoCpus) return host.NanoCpus / 1e9;
  if (host.CpuQuota && host.CpuQuota > 0) return host.CpuQuota / (host.CpuPeriod || 100_000);
  return undefined;
}

async function limited(ctx: CheckContext): Promise<Docker.ContainerInspectInfo> {
  const info = await findContainer(ctx, LIMITED);
  if (!info)
    return ctx.failWith(`a container named ${LIMITED}`, 'none', `docker run -d --name ${LIMITED} --cpus 0.5 --memory 32m --memory-swap 32m busybox sleep 1000`);
  if (!info.State.Running)
    return ctx.failWith(`${LIMITED} running`, `${LIMITED} is ${info.State.Status}`, 'give it a long-running command (sleep 1000) and -d');
  return info;
}

/** The limits found on the limited container, for the checks that measure them. */
interface Limits {
  cpus: number;
  memory: number;
}

const limitsSet: Check<Limits> = {
  id: 'limits-set',
  title: `${LIMITED} runs busybox with a CPU limit and a memory limit`,
  run: async (ctx) => {
    const info = await limited(ctx);
    const cpus = cpuLimit(info);
    const memory = info.HostConfig.Memory ?? 0;
    const swap = info.HostConfig.MemorySwap ?? 0;
    const said = `${containerName(info)}: ${cpus ? `${cpus} CPUs` : 'no CPU limit'}, ${memory ? `memory ${binarySize(memory)}` : 'no memory limit'}${memory ? `, memory+swap ${swap > 0 ? binarySize(swap) : swap === -1 ? 'unlimited' : 'engine default'}` : ''}`;
    if (!(await containerRunsImage(ctx.docker, info, BUSYBOX)))
      return fail(`${LIMITED} from the busybox image`, `${containerName(info)} from ${info.Config.Image}`, 'use busybox, as the task says');
    if (!cpus || !memory) {
      return fail(
        `a CPU limit and a memory limit on ${LIMITED}`,
        said,
        'limits are given when the container is made: --cpus 0.5 --memory 32m (docker update can change them on a running container)',
      );
    }
    return passWith({ cpus, memory }, said);
  },
};

export default defineLab({
  title: 'CPU and memory limits',
  summary: "Limit a busybox container's CPU and memory, and watch the kernel stop a process that wants more memory.",
  images: ['busybox:latest'],
  evidence: 'state',
  checks: [
    limitsSet,
    {
      id: 'limits-as-asked',
      title: `The limits are the ones the task asks for: half a CPU, 32 MiB, no swap beyond it`,
      dependsOn: [limitsSet],
      run: async (ctx) => {
        const info = await limited(ctx);
        const cpus = cpuLimit(info) ?? 0;
        const memory = info.HostConfig.Memory ?? 0;
        const swap = info.HostConfig.MemorySwap ?? 0;
        const said = `${containerName(info)}: ${cpus} CPUs, memory ${binarySize(memory)}, memory+swap ${swap > 0 ? binarySize(swap) : swap === -1 ? 'unlimited' : 'engine default'}`;
        const off = [
          cpus !== WANTED_CPUS ? `${cpus} CPUs instead of ${WANTED_CPUS}` : '',
          memory !== WANTED_MEMORY ? `memory ${binarySize(memory)} instead of ${binarySize(WANTED_MEMORY)}` : '',
          swap !== memory
            ? `memory+swap ${swap > 0 ? binarySize(swap) : swap === -1 ? 'unlimited' : 'left to the engine (twice the memory)'} instead of the memory limit itself`
            : '',
        ].filter(Boolean);
        if (off.length > 0) {
          return fail(
            `${LIMITED} limited to ${WANTED_CPUS} CPU, ${binarySize(WANTED_MEMORY)} of memory and no swap beyond it`,
            `${said} (${off.join('; ')})`,
            `the task asks for --cpus ${WANTED_CPUS} --memory 32m --memory-swap 32m (--memory-swap counts memory and swap together: the same value as --memory means no swap); docker update --cpus ... --memory ... --memory-swap ... ${LIMITED} changes them in place`,
          );
        }
        return pass(said);
      },
    },
    {
      id: 'stats-show-limit',
      title: "The stats sample's memory limit equals the limit",
      dependsOn: [limitsSet],
      run: async (ctx) => {
        const info = await limited(ctx);
        const { memory } = ctx.get(limitsSet);
        const sample = await readStatsSample(ctx.docker, info.Id);
        const machine = (await ctx.docker.info()) as { MemTotal?: number };
        if (machine.MemTotal && memory >= machine.MemTotal) {
          return fail(
            `a memory limit below the machine's ${binarySize(machine.MemTotal)}`,
            `a limit of ${binarySize(memory)}; docker stats shows ${binarySize(sample.memoryLimitBytes)}`,
            "a limit above the machine's memory limits nothing: stats show the machine's memory instead. Give a small one, e.g. --memory 32m",
          );
        }
        if (sample.memoryLimitBytes !== memory) {
          return fail(
            `a memory limit of ${binarySize(memory)} in docker stats`,
            binarySize(sample.memoryLimitBytes),
            "the engine did not apply the limit to the container's cgroup: does `docker info` warn about missing memory limit support?",
          );
        }
        return pass(`MEM USAGE / LIMIT ${binarySize(sample.memoryUsageBytes)} / ${binarySize(sample.memoryLimitBytes)} (${sample.memoryPercent.toFixed(2)}%)`);
      },
    },
    {
      id: 'cpu-limit-holds',
      title: "The CPU limit is below the machine's CPUs and two busy loops in it stay within it",
      dependsOn: [limitsSet],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const info = await limited(ctx);
        const { cpus } = ctx.get(limitsSet);
        const machine = (await ctx.docker.info()) as { NCPU?: number };
        const busy = ctx.exec(info.Id, ['sh', '-c', BUSY]);
        try {
          // Sample once both loops run; each sample spans about a second.
          await waitUntil(
            {
              expected: 'two busy loops running in the container',
              hint: 'docklab runs them with docker exec: sh, timeout and ps come with busybox',
              attempt: async () => {
                const ps = await ctx.exec(info.Id, ['ps']);
                const loops = ps.stdout.split('\n').filter((l) => l.includes('while :') && !l.includes('timeout') && !l.includes('for n')).length;
                return loops >= 2 ? { ok: true, value: loops } : { ok: false, seen: `${loops} loops in ps` };
              },
            },
            { timeoutMs: 10_000, intervalMs: 100 },
          );
          const sample = await readStatsSample(ctx.docker, info.Id);
          const measured = `${sample.cpuPercent.toFixed(1)}% CPU while two busy loops ran`;
          if (machine.NCPU && cpus >= machine.NCPU) {
            return fail(
              `a CPU limit below the machine's ${machine.NCPU} CPUs`,
              `a limit of ${cpus} CPUs; ${measured}`,
              `a limit of every CPU the machine has limits nothing: give a fraction, e.g. --cpus 0.5`,
            );
          }
          // The kernel enforces the quota per period: allow some spill over one sample.
          const ceiling = cpus * 100 * 1.15 + 5;
          if (sample.cpuPercent > ceiling) {
            return fail(`at most about ${(cpus * 100).toFixed(0)}% CPU (${cpus} CPUs)`, measured, 'the CPU limit is not applied: --cpus sets it');
          }
          return pass(`${sample.cpuPercent.toFixed(1)}% CPU with two busy loops under a limit of ${cpus} CPUs (${(cpus * 100).toFixed(0)}%)`);
        } finally {
          await busy.catch(() => undefined);
        }
      },
    },
    {
      id: 'oom-killed',
      title: `${HOG}, limited in memory, was killed by the kernel for allocating past its limit`,
      timeoutMs: 40_000,
      run: async (ctx) => {
        const info = await findContainer(ctx, HOG);
        if (!info)
          return fail(
            `a container named ${HOG}`,
            'none',
            `docker run --name ${HOG} --memory 32m --memory-swap 32m busybox sh -c 'x=a; while true; do x=$x$x; done'`,
          );
        const memory = info.HostConfig.Memory ?? 0;
        if (!memory) return fail(`a memory limit on ${HOG}`, 'none', "never run a memory hog without --memory: it takes the whole machine's memory");
        const state = await waitUntil(
          {
            expected: `${HOG} to stop`,
            hint: 'its command should grow its memory until the kernel stops it; with a small limit (32m) that takes a second or two',
            attempt: async () => {
              const s = (await ctx.docker.getContainer(info.Id).inspect()).State;
              return s.Running
                ? { ok: false, seen: `still running, using ${binarySize((await readStatsSample(ctx.docker, info.Id)).memoryUsageBytes)}` }
                : { ok: true, value: s };
            },
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        const swap = info.HostConfig.MemorySwap ?? 0;
        const said = `${HOG} ${state.Status}, exit code ${state.ExitCode}, OOMKilled ${state.OOMKilled}, memory limit ${binarySize(memory)}${swap > memory ? ` (memory+swap ${binarySize(swap)})` : ''}`;
        if (!state.OOMKilled || state.ExitCode !== 137) {
          return fail(
            `${HOG} killed by the kernel's out-of-memory killer: OOMKilled true, exit code 137 (128 + SIGKILL)`,
            said,
            state.ExitCode === 0
              ? 'its command finished without reaching the limit: it must keep allocating (x=$x$x doubles a string each round)'
              : `it stopped for another reason; docker logs ${HOG} shows its output. With swap allowed (--memory-swap above --memory) the kernel swaps instead of killing: give both the same value`,
          );
        }
        return pass(said);
      },
    },
  ],
});
