import {
  containerEvents,
  containerName,
  containerRunsImage,
  defineLab,
  execRuns,
  fail,
  inspectSettled,
  pass,
  type CheckContext,
} from '../../src/lab-kit/index.js';

const NAME = 'ubuntu-container';
/** By repository, any tag or digest, or the same image under another name. */
const UBUNTU = ['ubuntu'];

async function findContainer(ctx: CheckContext) {
  const [found] = await ctx.containers({ name: NAME });
  return found ? inspectSettled(ctx.docker, found.Id) : undefined;
}

export default defineLab({
  title: 'Run a command in a running container',
  summary: 'Keep an ubuntu container running and run a command inside it with docker exec.',
  images: ['ubuntu:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'container-running',
      title: `A container named ${NAME}, from ubuntu, is running`,
      run: async (ctx) => {
        const info = await findContainer(ctx);
        if (!info)
          return fail(
            `a container named ${NAME}`,
            'none',
            `start it in the background with a command that keeps running: docker run -d --name ${NAME} ubuntu sleep infinity`,
          );
        if (!(await containerRunsImage(ctx.docker, info, UBUNTU)))
          return fail(
            'a container from the ubuntu image',
            `${containerName(info)} is from ${info.Config.Image}`,
            `remove it (docker rm -f ${NAME}) and start one from ubuntu`,
          );
        if (!info.State.Running) {
          return fail(
            `${NAME} running`,
            `it is ${info.State.Status} (exit code ${info.State.ExitCode}), command: ${[info.Path, ...info.Args].join(' ')}`,
            `exec needs a running container, and a container runs only as long as its command does: ubuntu's default bash ends at once without a terminal; give it a command that waits, such as sleep infinity`,
          );
        }
        return pass(`${containerName(info)} running \`${[info.Path, ...info.Args].join(' ')}\` since ${info.State.StartedAt}`);
      },
    },
    {
      id: 'exec-ran',
      title: `At least one command was run in ${NAME} with exec`,
      dependsOn: ['container-running'],
      run: async (ctx) => {
        const info = (await findContainer(ctx))!;
        const since = Math.floor(Date.parse(info.Created) / 1000) - 1;
        const runs = execRuns(await containerEvents(ctx.docker, info.Id, since));
        if (runs.length === 0) {
          return fail(
            `an exec run in ${NAME} among the engine's recent events`,
            'none',
            `run a command in the running container: docker exec ${NAME} ls / (the engine remembers only its recent events: verify soon after)`,
          );
        }
        const lines = runs.map(
          (r) => `${new Date(r.startedAt * 1000).toISOString()}  ${r.command}  → ${r.exitCode === undefined ? 'still running' : `exit code ${r.exitCode}`}`,
        );
        return pass(`${runs.length} exec run${runs.length === 1 ? '' : 's'}; last: ${lines[lines.length - 1]}`, lines);
      },
    },
  ],
});
