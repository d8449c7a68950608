import type Docker from 'dockerode';
import { containerName, containerRunsImage, defineLab, fail, findContainer, pass, readStatsSample, statsLine } from '../../src/lab-kit/index.js';

const NAMES = ['busybox1', 'busybox2'];
/** By repository, any tag or digest, or the same image under another name. */
const BUSYBOX = ['busybox'];

/** The container's program is sleep itself, or a shell told to run it. */
function runsSleep(info: Docker.ContainerInspectInfo): boolean {
  const argv = [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])];
  const program = argv[0]?.split('/').pop();
  if (program === 'sleep') return true;
  return (program === 'sh' || program === 'ash') && argv[1] === '-c' && /^\s*(exec\s+)?sleep\b/.test(argv[2] ?? '');
}

export default defineLab({
  title: 'Watch containers with docker stats',
  summary: 'Run busybox1 and busybox2 and read their CPU, memory, network and disk use as docker stats does.',
  images: ['busybox:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'containers-running',
      title: 'busybox1 and busybox2 are running `sleep 1000` from the busybox image',
      run: async (ctx) => {
        const problems: string[] = [];
        const seen: string[] = [];
        for (const name of NAMES) {
          const info = await findContainer(ctx, name);
          if (!info) {
            problems.push(`no container named ${name}`);
            continue;
          }
          const cmd = [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])].join(' ');
          if (!(await containerRunsImage(ctx.docker, info, BUSYBOX))) problems.push(`${name} is from ${info.Config.Image}, not busybox`);
          else if (!info.State.Running)
            problems.push(`${name} is ${info.State.Status}${info.State.Status === 'exited' ? ` (exit ${info.State.ExitCode}, command: ${cmd})` : ''}`);
          else if (!runsSleep(info)) problems.push(`${name} runs ${JSON.stringify(cmd)}, not sleep`);
          else seen.push(`${containerName(info)}: ${cmd}, up since ${info.State.StartedAt}`);
        }
        if (problems.length) {
          return fail(
            'two running busybox containers named busybox1 and busybox2, each sleeping',
            problems.join('; '),
            'docker run -d --name busybox1 busybox sleep 1000 (and the same for busybox2); without -d and a long-running command the container is gone, or created but never started with docker create',
            seen,
          );
        }
        return pass(seen.join('; '));
      },
    },
    {
      id: 'stats-readable',
      title: 'Their stats can be read: CPU %, memory use and limit, network and block I/O',
      dependsOn: ['containers-running'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const infos = await Promise.all(NAMES.map(async (name) => ({ name, info: (await findContainer(ctx, name))! })));
        // Each sample waits for a second reading; both containers are sampled at once.
        const samples = await Promise.all(
          infos.map(async ({ name, info }) => ({ name, sample: await readStatsSample(ctx.docker, info.Id).catch((e: Error) => e) })),
        );
        const lines: string[] = [];
        for (const { name, sample } of samples) {
          if (sample instanceof Error) {
            return fail(`a stats sample of ${name}`, sample.message, 'the engine could not report stats for it: is it still running?');
          }
          if (sample.memoryLimitBytes <= 0 || sample.memoryUsageBytes <= 0 || sample.pids < 1) {
            return fail(
              `a stats sample of ${name} with memory use, a memory limit and at least one process`,
              statsLine(name, sample),
              'a running container always uses some memory and has a process: is the engine reporting its cgroup?',
            );
          }
          lines.push(statsLine(name, sample));
        }
        return pass('computed as `docker stats` computes them (CPU from the delta between two readings; memory without inactive page cache)', lines);
      },
    },
  ],
});
