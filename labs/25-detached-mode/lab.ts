import type Docker from 'dockerode';
import { containerName, defineLab, fail, findContainer, pass, waitUntil } from '../../src/lab-kit/index.js';

const NAME = 'detached-web';
const MIN_UPTIME_MS = 3_000;

function restartPolicy(info: Docker.ContainerInspectInfo): string {
  const policy = info.HostConfig.RestartPolicy;
  if (!policy?.Name || policy.Name === 'no') return 'no (the default: a stopped container stays stopped)';
  return policy.Name === 'on-failure' && policy.MaximumRetryCount ? `on-failure:${policy.MaximumRetryCount}` : policy.Name;
}

export default defineLab({
  title: 'Run a container in detached mode',
  summary: 'Start a container in the background and show that it keeps running after the command that started it returned.',
  images: ['nginx:latest', 'busybox:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'container-found',
      title: `A container named ${NAME} exists`,
      run: async (ctx) => {
        const info = await findContainer(ctx, NAME);
        if (!info)
          return fail(`a container named ${NAME}`, 'none', `docker run --help: look for the options that name a container and run it in the background`);
        return pass(`${containerName(info)} from ${info.Config.Image}, ${info.State.Status}`);
      },
    },
    {
      id: 'detached',
      title: 'It was started detached: not attached to the terminal that started it',
      dependsOn: ['container-found'],
      run: async (ctx) => {
        const info = (await findContainer(ctx, NAME))!;
        const attached = (['AttachStdin', 'AttachStdout', 'AttachStderr'] as const).filter((k) => info.Config[k]);
        if (attached.length) {
          return fail(
            'a container started with -d (its configuration attaches no stream to a terminal)',
            `${attached.join(', ')} set: it was started in the foreground, attached to the terminal that ran docker run`,
            'remove it (docker rm -f) and start it again with -d (--detach): docker run then prints the container id and returns at once',
          );
        }
        return pass('no stream attached: started with -d');
      },
    },
    {
      id: 'keeps-running',
      title: 'It keeps running in the background (restart policy reported)',
      dependsOn: ['container-found'],
      timeoutMs: 20_000,
      run: async (ctx) => {
        const first = (await findContainer(ctx, NAME))!;
        const stoppedHint =
          'a container lives as long as its main process: the command must stay in the foreground inside the container (a server such as nginx does; a command that finishes, or a daemon that forks into the background, ends the container)';
        if (!first.State.Running) {
          return fail(
            `${NAME} running`,
            `it is ${first.State.Status} (exit code ${first.State.ExitCode}), command: ${[first.Path, ...first.Args].join(' ')}`,
            stoppedHint,
          );
        }
        // Watch it long enough to see it stay up rather than crash and restart.
        const later = await waitUntil(
          {
            expected: `${NAME} up for at least ${MIN_UPTIME_MS / 1000} s`,
            hint: stoppedHint,
            attempt: async () => {
              const info = await ctx.docker.getContainer(first.Id).inspect();
              if (!info.State.Running) return { ok: true, value: info };
              return Date.now() - Date.parse(info.State.StartedAt) >= MIN_UPTIME_MS
                ? { ok: true, value: info }
                : { ok: false, seen: `up since ${info.State.StartedAt}` };
            },
          },
          { timeoutMs: MIN_UPTIME_MS + 5_000, intervalMs: 500 },
        );
        const policy = restartPolicy(later);
        if (!later.State.Running) {
          return fail(`${NAME} still running`, `it stopped (exit code ${later.State.ExitCode}); restart policy ${policy}`, stoppedHint);
        }
        if (later.RestartCount > first.RestartCount || later.State.StartedAt !== first.State.StartedAt) {
          return fail(
            `${NAME} running without restarts`,
            `it was restarted (${later.RestartCount} restarts so far, restart policy ${policy})`,
            `it keeps crashing and the restart policy brings it back: docker logs ${NAME} says why`,
          );
        }
        const up = Math.round((Date.now() - Date.parse(later.State.StartedAt)) / 1000);
        return pass(`running for ${up} s, ${later.RestartCount} restarts; restart policy: ${policy}`, [`restart policy: ${policy}`]);
      },
    },
  ],
});
