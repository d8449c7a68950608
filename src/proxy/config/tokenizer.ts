import type { ConfigLine } from './config-line.js';
import { syntaxError } from './config-errors.js';

/**
 * Splits configuration text into words the way HAProxy does: blanks separate
 * words, `#` starts a comment, a backslash escapes the next character,
 * single quotes are literal and double quotes expand `${VAR}`.
 * Blank and comment-only lines are dropped, but every kept line keeps its
 * number so that later errors can point at it.
 */
export function tokenize(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigLine[] {
  const lines: ConfigLine[] = [];
  const rawLines = text.split(/\r?\n/);
  for (let i = 0; i < rawLines.length; i++) {
    const words = splitWords(rawLines[i]!, { file, line: i + 1 }, env);
    if (words.length > 0) lines.push({ file, line: i + 1, words });
  }
  return lines;
}

function splitWords(raw: string, at: { file: string; line: number }, env: NodeJS.ProcessEnv): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
      continue;
    }
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === undefined) throw syntaxError(at, 'a line ends with a lone backslash; remove it or escape it as \\\\');
      if (next === 'x') {
        const hex = raw.slice(i + 2, i + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw syntaxError(at, `bad escape '\\x${hex}'; write two hex digits after \\x`);
        current += String.fromCharCode(parseInt(hex, 16));
        i += 3;
      } else if (next === 'r') { current += '\r'; i++; }
      else if (next === 'n') { current += '\n'; i++; }
      else if (next === 't') { current += '\t'; i++; }
      else { current += next; i++; }
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') { quote = null; continue; }
      if (c === '$') { const r = expandVar(raw, i, env); if (r) { current += r.value; i = r.end; continue; } }
      current += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; inWord = true; continue; }
    if (c === '#') break;
    if (c === ' ' || c === '\t') {
      if (inWord) { words.push(current); current = ''; inWord = false; }
      continue;
    }
    if (c === '$') { const r = expandVar(raw, i, env); if (r) { current += r.value; i = r.end; inWord = true; continue; } }
    current += c;
    inWord = true;
  }
  if (quote) throw syntaxError(at, `unterminated ${quote === '"' ? 'double' : 'single'} quote; close it on the same line`);
  if (inWord) words.push(current);
  return words;
}

/** `${NAME}` or `$NAME`: returns the value and the index of the last character consumed. */
function expandVar(raw: string, i: number, env: NodeJS.ProcessEnv): { value: string; end: number } | null {
  if (raw[i + 1] === '{') {
    const close = raw.indexOf('}', i + 2);
    if (close < 0) return null;
    return { value: env[raw.slice(i + 2, close)] ?? '', end: close };
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(i + 1));
  if (!m) return null;
  return { value: env[m[0]] ?? '', end: i + m[0].length };
}
