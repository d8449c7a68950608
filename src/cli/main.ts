import { Command, CommanderError } from 'commander';
import { DocklabError, isDocklabError } from '../errors.js';
import { DOCKLAB_VERSION } from '../version.js';
import { registerSetup } from './commands/setup-command.js';
import { registerDoctor } from './commands/doctor-command.js';
import { registerImages } from './commands/images-command.js';
import { registerDown } from './commands/down-command.js';
import { registerList } from './commands/list-command.js';
import { registerShow } from './commands/show-command.js';
import { registerInit } from './commands/init-command.js';
import { registerRun } from './commands/run-command.js';
import { registerVerify } from './commands/verify-command.js';
import { registerProxy } from './commands/proxy-command.js';
import { runMenu } from './menu.js';

export function buildProgram(): Command {
  const program = new Command('docklab')
    .description('Runnable, self-checking Docker labs, judged against a real Docker engine.')
    .version(DOCKLAB_VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of [registerSetup, registerDoctor, registerImages, registerDown, registerList, registerShow, registerInit, registerRun, registerVerify, registerProxy]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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
  if (isDocklabError(error)) {
    process.stderr.write(`docklab: ${error.message} [${error.code}]\n`);
    for (const line of error.details) process.stderr.write(`  | ${line}\n`);
    return error.exitCode;
  }
  process.stderr.write(`docklab: internal error: ${(error as Error)?.stack ?? String(error)}\n[DOCKLAB_INTERNAL] please report this with the command you ran\n`);
  return 3;
}
