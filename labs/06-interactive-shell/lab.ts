import type Docker from 'dockerode';
import { containerName, containersOfImage, defineLab, envOf, fail, pass, readContainerFile, type CheckContext } from '../../src/lab-kit/index.js';

/** By repository, any tag or digest, or the same image under another name. */
const UBUNTU = ['ubuntu'];

async function ubuntuContainers(ctx: CheckContext): Promise<Docker.ContainerInspectInfo[]> {
  const list = await containersOfImage(ctx, UBUNTU);
  const infos = await Promise.all(list.map((c) => ctx.docker.getContainer(c.Id).inspect()));
  return infos.sort((a, b) => b.Created.localeCompare(a.Created));
}

function interactive(info: Docker.ContainerInspectInfo): boolean {
  return Boolean(info.Config.Tty && info.Config.OpenStdin);
}

/** Where the container's shell keeps its history: $HISTFILE, else ~/.bash_history of its user. */
async function historyPaths(ctx: CheckContext, info: Docker.ContainerInspectInfo): Promise<string[]> {
  const env = Object.fromEntries(envOf(info));
  const user = (info.Config.User ?? '').split(':')[0] ?? '';
  let home = env.HOME ?? '/root';
  if (user && user !== 'root' && user !== '0' && !env.HOME) {
    const passwd = (await readContainerFile(ctx.docker, info.Id, '/etc/passwd')) ?? '';
    const entry = passwd
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === user || f[2] === user);
    home = entry?.[5] ?? `/home/${user}`;
  }
  return [...(env.HISTFILE ? [env.HISTFILE] : []), `${home.replace(/\/$/, '')}/.bash_history`];
}

export default defineLab({
  title: 'An interactive shell in ubuntu',
  summary: 'Open an interactive shell in an ubuntu container, run ls and pwd, and leave it.',
  images: ['ubuntu:latest'],
  evidence: 'state',
  checks: [
    {
      id: 'interactive-config',
      title: 'A container from ubuntu was created with a terminal (-t) and open stdin (-i)',
      run: async (ctx) => {
        const all = await ubuntuContainers(ctx);
        if (all.length === 0)
          return fail(
            'a container from the ubuntu image',
            'none',
            'docker run --help: look for the two options that give a container a terminal and keep its input open; and leave out --rm, so the container is still there to verify',
          );
        const good = all.filter(interactive);
        if (good.length === 0) {
          return fail(
            'Tty and OpenStdin both true in the configuration of an ubuntu container',
            all
              .slice(0, 4)
              .map((i) => `${containerName(i)}: Tty ${i.Config.Tty}, OpenStdin ${i.Config.OpenStdin}`)
              .join('; '),
            'start it with -it: -i keeps stdin open so you can type, -t gives it a terminal so bash runs as an interactive shell',
          );
        }
        return pass(good.map((i) => `${containerName(i)} (${i.State.Status}): Tty, OpenStdin`).join('; '));
      },
    },
    {
      id: 'shell-history',
      title: "The shell's history in that container records the commands typed (read through the archive API)",
      dependsOn: ['interactive-config'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const candidates = (await ubuntuContainers(ctx)).filter(interactive);
        const seen: string[] = [];
        for (const info of candidates) {
          for (const path of await historyPaths(ctx, info)) {
            const text = await readContainerFile(ctx.docker, info.Id, path);
            if (text === undefined) {
              seen.push(`${containerName(info)} (${info.State.Status}): no ${path}`);
              continue;
            }
            const commands = text
              .split('\n')
              .map((l) => l.trim())
              .filter((l) => l && !l.startsWith('#'));
            const typed = commands.filter((c) => !/^exit\b/.test(c));
            if (typed.length === 0) {
              seen.push(`${containerName(info)}: ${path} holds no command besides exit`);
              continue;
            }
            return pass(`${containerName(info)}:${path}: ${commands.join(', ')}`, commands);
          }
        }
        const running = candidates.filter((i) => i.State.Running);
        return fail(
          'a shell history (~/.bash_history) with the commands you typed',
          seen.join('; '),
          running.length
            ? `bash writes its history when it ends: attach to ${containerName(running[0]!)} (docker attach), or start a new session, and leave it with exit`
            : 'type a few commands (ls, pwd) in the shell, then leave it with exit so that bash writes its history; do not remove the container before verifying',
        );
      },
    },
  ],
});
