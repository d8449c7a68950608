import { containerDeaths, containerName, containersOfImage, defineLab, fail, pass, runStartedAt, waitUntil } from '../../src/lab-kit/index.js';

const GREETING = /Hello from Docker!/;

export default defineLab({
  title: 'Engine and hello-world',
  summary: 'Reach the Docker engine and run the hello-world container.',
  images: ['hello-world:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'engine-answers',
      title: 'The Docker engine answers',
      run: async (ctx) => {
        const version = await ctx.docker.version();
        return pass(`Docker ${version.Version}, API ${version.ApiVersion} at ${ctx.engineAddress}`);
      },
    },
    {
      id: 'hello-world-ran',
      title: 'A hello-world container ran, printed its greeting and exited 0',
      dependsOn: ['engine-answers'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const candidates = await containersOfImage(ctx, ['hello-world']);
        if (candidates.length === 0) {
          // `docker run --rm hello-world` leaves nothing to inspect: the engine's events still say it ran and how it ended.
          const since = (ctx.docklabMadeIt ? runStartedAt(ctx.runId) : undefined) ?? Math.floor(Date.now() / 1000) - 24 * 3600;
          const removed = (await containerDeaths(ctx.docker, ['hello-world'], since, { runId: ctx.docklabMadeIt ? ctx.runId : undefined }))
            .filter((d) => d.removed)
            .pop();
          if (removed?.exitCode === 0)
            return pass(`${removed.name} ran, exited 0 and was removed (--rm), at ${new Date(removed.time * 1000).toISOString()}: its output went with it`);
          if (removed)
            return fail(
              'exit code 0',
              `${removed.name} exited ${removed.exitCode}, then was removed`,
              'run `docker run hello-world` again, without --rm to keep its output for `docker logs`',
            );
          return fail(
            'a container made from the hello-world image',
            "no such container, and none in the engine's recent events",
            'run `docker run hello-world`',
          );
        }
        // The newest one that finished; wait briefly for a run still under way.
        const finished = await waitUntil(
          {
            expected: 'a hello-world container that has run and exited',
            hint: 'a container only runs its program once it is started: `docker run` creates and starts; `docker create` only creates',
            attempt: async () => {
              const infos = await Promise.all(candidates.map((c) => ctx.docker.getContainer(c.Id).inspect()));
              const done = infos.filter((i) => i.State.Status === 'exited').sort((a, b) => b.State.FinishedAt.localeCompare(a.State.FinishedAt));
              if (done[0]) return { ok: true, value: done[0] };
              return { ok: false, seen: infos.map((i) => `${containerName(i)} is ${i.State.Status}`).join(', ') };
            },
          },
          { timeoutMs: 10_000 },
        );
        const logs = await ctx.logTail(finished.Id, 40);
        if (finished.State.ExitCode !== 0) {
          return fail('exit code 0', `exit code ${finished.State.ExitCode}`, 'look at `docker logs ' + containerName(finished) + '`', logs);
        }
        if (!logs.some((l) => GREETING.test(l))) {
          return fail(
            'the greeting "Hello from Docker!" in its output',
            logs.length ? `output: ${JSON.stringify(logs.slice(0, 2).join(' '))}` : 'no output',
            'run the hello-world image itself, without a command of your own',
          );
        }
        return pass(`${containerName(finished)} exited 0 and said "Hello from Docker!"`);
      },
    },
  ],
});
