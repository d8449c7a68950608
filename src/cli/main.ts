import { Command, CommanderError } from 'commander';
import { DocklabError, isDocklabError } from '../errors.js';
import { DOCKLAB_VERSION } from '../version.js';
import { interruption, isInterrupted } from '../util/interruption.js';
import { runMenu } from './menu.js';

/**
 * Command modules by name, loaded on demand: a command pulls in only what it
 * needs (the engine client, the balancer, prompts), which keeps start-up short.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  setup: async () => (await import('./commands/setup-command.js')).registerSetup,
  doctor: async () => (await import('./commands/doctor-command.js')).registerDoctor,
  images: async () => (await import('./commands/images-command.js')).registerImages,
  down: async () => (await import('./commands/down-command.js')).registerDown,
  list: async () => (await import('./commands/list-command.js')).registerList,
  show: async () => (await import('./commands/show-command.js')).registerShow,
  init: async () => (await import('./commands/init-command.js')).registerInit,
  run: async () => (await import('./commands/run-command.js')).registerRun,
  verify: async () => (await import('./commands/verify-command.js')).registerVerify,
  report: async () => (await import('./commands/report-command.js')).registerReport,
  proxy: async () => (await import('./commands/proxy-command.js')).registerProxy,
  swarm: async () => (await import('./commands/swarm-command.js')).registerSwarm,
};

/** Every command when help or a suggestion may be wanted; only the one named otherwise. */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('docklab')
    .description('Runnable, self-checking Docker labs, judged against a real Docker engine.')
    .version(DOCKLAB_VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // One line, ending with the code, as every other error.
    .configureOutput({ outputError: (text, write) => write(`${usageLine(text)}\n`) });
  const named = argv[2];
  const wanted = named && named in COMMANDS && !argv.includes('--help') && !argv.includes('-h') ? [named] : Object.keys(COMMANDS);
  for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program);
  return program;
}

/** commander's message ("error: unknown command 'x'\n(Did you mean y?)") as one line with its code. */
export function usageLine(text: string): string {
  const words = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/^error: /, '');
  return `docklab: ${words} [DOCKLAB_USAGE]`;
}

export async function main(argv: string[]): Promise<number> {
  // The balancer handles its own signals (SIGHUP reloads it); every other command shares one teardown path.
  if (argv[2] !== 'proxy') interruption.install();
  try {
    const program = await buildProgram(argv);
    if (argv.length <= 2 && process.stdin.isTTY && process.stdout.isTTY && !process.env.CI) {
      return await runMenu(program);
    }
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" in commander's flow; they already printed.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return new DocklabError('DOCKLAB_USAGE', error.message).exitCode;
  }
  // The interruption handler already said what it removed; it exits with 128 + the signal.
  if (isInterrupted(error)) return ({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as Record<string, number>)[error.signal] ?? 130;
  // Ctrl-C in the menu: the prompt reads it as a key (the terminal is raw) and gives up; nothing was begun.
  if ((error as Error)?.name === 'ExitPromptError') return 130;
  if (isDocklabError(error)) {
    process.stderr.write(`docklab: ${error.message} [${error.code}]\n`);
    for (const line of error.details) process.stderr.write(`  | ${line}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `docklab: internal error: ${(error as Error)?.stack ?? String(error)}\n[DOCKLAB_INTERNAL] please report this with the command you ran\n`,
  );
  return 3;
}
