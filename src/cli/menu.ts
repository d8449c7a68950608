import type { Command } from 'commander';
import { loadLabsTolerantly } from '../labs/lab-loader.js';

/** `docklab` alone at a terminal: pick a lab, then what to do with it. */
export async function runMenu(program: Command): Promise<number> {
  const { select } = await import('@inquirer/prompts');
  const { labs } = await loadLabsTolerantly();
  const lab = await select({
    message: 'Which lab?',
    choices: labs.map((l) => ({ name: `${String(l.number).padStart(2)}  ${l.definition.title}`, value: String(l.number), description: l.definition.summary })),
    pageSize: 15,
  });
  const action = await select({
    message: 'What now?',
    choices: [
      { name: 'Read the task', value: 'show' },
      { name: 'Get the starter files', value: 'init' },
      { name: 'Check my solution', value: 'verify' },
      { name: 'Watch the reference solution pass', value: 'run' },
      { name: 'Tear down what the lab made', value: 'down' },
    ],
  });
  await program.parseAsync(['node', 'docklab', action, lab]);
  return process.exitCode === undefined ? 0 : Number(process.exitCode);
}
