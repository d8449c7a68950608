import type { Command } from 'commander';
import { DocklabError } from '../errors.js';
import type { Lab } from '../labs/lab-definition.js';
import { editDistance } from '../labs/lab-loader.js';

/**
 * Options of one lab alone (`--lb` for lab 0, `--registry` for lab 5) are
 * declared in its defineLab, not here: `run` and `verify` let through what
 * they do not know, and once the lab is loaded its own options are read from
 * what was let through. A lab with a new flag touches only its folder.
 */
export function acceptLabOptions(command: Command): Command {
  return command
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .addHelpText('after', '\nA lab may take options of its own (lab 0: --lb haproxy|docklab; lab 5: --registry host:port): `docklab show N` lists them.');
}

/** The lab's options from the words after the lab's id; anything else is a usage error naming what the lab takes. */
export function readLabOptions(lab: Lab, words: readonly string[], command?: Command): Record<string, string> {
  const declared = lab.definition.options ?? [];
  const values: Record<string, string> = {};
  const takes = declared.length
    ? `its options: ${declared.map((o) => `--${o.name} <${o.placeholder ?? 'value'}>`).join(', ')}`
    : 'it takes no options of its own';
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(word);
    if (!match) throw new DocklabError('DOCKLAB_USAGE', `unexpected '${word}' for lab ${lab.number} (${takes})`);
    const option = declared.find((o) => o.name === match[1]);
    if (!option) {
      // A typo of one of the command's own options or of the lab's gets the suggestion commander would give.
      const known = [...(command?.options.map((o) => o.long?.replace(/^--/, '') ?? '') ?? []), ...declared.map((o) => o.name)].filter(Boolean);
      const nearest = known.map((k) => ({ k, d: editDistance(match[1]!, k) })).sort((a, b) => a.d - b.d)[0];
      if (nearest && nearest.d <= 2) throw new DocklabError('DOCKLAB_USAGE', `unknown option '--${match[1]}' (Did you mean --${nearest.k}?)`);
      throw new DocklabError('DOCKLAB_USAGE', `unknown option '--${match[1]}' for lab ${lab.number} (${takes})`);
    }
    const value = match[2] ?? words[++i];
    if (value === undefined || value.startsWith('--'))
      throw new DocklabError('DOCKLAB_USAGE', `option '--${option.name} <${option.placeholder ?? 'value'}>' argument missing`);
    if (option.choices && !option.choices.includes(value)) {
      throw new DocklabError(
        'DOCKLAB_USAGE',
        `option '--${option.name} <${option.placeholder ?? 'value'}>' argument '${value}' is invalid. Allowed choices are ${option.choices.join(', ')}.`,
      );
    }
    values[option.name] = value;
  }
  return values;
}
