import { readFileSync } from 'node:fs';
import { syntaxError } from '../config/config-errors.js';
import type { Loc } from '../config/model.js';
import { resolveConfigPath } from './config-paths.js';

/**
 * Reads an ACL pattern file: one pattern per line, leading blanks dropped,
 * the rest of the line (up to CR/LF) kept; empty lines and lines starting
 * with '#' are skipped.
 */
export function readPatternFile(file: string, at: Loc): string[] {
  const out: string[] = [];
  for (const raw of readLines(file, at)) {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

/**
 * Reads a map file: the key is the first word of a line, the value the rest
 * after the blanks that follow it (trailing blanks dropped). Lines without a
 * value map to the empty string.
 */
export function readMapFile(file: string, at: Loc): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of readLines(file, at)) {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)[ \t]*(.*?)[ \t]*$/.exec(line)!;
    out.push([m[1]!, m[2]!]);
  }
  return out;
}

function readLines(file: string, at: Loc): string[] {
  const path = resolveConfigPath(file);
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw syntaxError(at, `failed to open pattern file '${file}' (${path}): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return text.split(/\r?\n|\r/);
}
