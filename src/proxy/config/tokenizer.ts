import type { ConfigLine } from './config-line.js';
import { syntaxError } from './config-errors.js';

/** What `${.FILE}`, `${.LINE}` and `${.SECTION}` expand to on the line being split. */
export interface LineContext {
  readonly file: string;
  readonly line: number;
  readonly section?: string;
}

/**
 * Splits configuration text into words with HAProxy 2.6's rules (see
 * splitWords). Blank and comment-only lines are dropped, but every kept line
 * keeps its number so that later errors can point at it. Conditional blocks
 * and `setenv` are not applied here: ConfigReader does that line by line.
 */
export function tokenize(text: string, file: string, env: NodeJS.ProcessEnv = process.env): ConfigLine[] {
  const lines: ConfigLine[] = [];
  const rawLines = splitRawLines(text);
  for (let i = 0; i < rawLines.length; i++) {
    const words = splitWords(rawLines[i]!, { file, line: i + 1 }, env);
    if (words.length > 0) lines.push({ file, line: i + 1, words });
  }
  return lines;
}

export function splitRawLines(text: string): string[] {
  return text.split(/\r?\n/);
}

const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';

/**
 * One line into words, as HAProxy 2.6 reads it:
 * - blanks separate words, `#` outside quotes starts a comment;
 * - single quotes keep everything literally; double quotes allow blanks and
 *   expand environment variables (`$NAME`, `${NAME}`, `${NAME-default}`,
 *   `${NAME[*]}` which splits the value into words); outside double quotes a
 *   `$` is an ordinary character;
 * - outside single quotes a backslash escapes only `\\`, a space, `#`, `'`,
 *   `"`, `\t`, `\n`, `\r`, `\xHH` and (inside double quotes) `$`. Before any
 *   other character the backslash is KEPT, so that regular expressions such
 *   as `^a\.b$` reach the regex engine intact.
 * An empty quoted word ("") is a word.
 */
export function splitWords(raw: string, at: LineContext, env: NodeJS.ProcessEnv): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  let squote = false;
  let dquote = false;
  let quoteAt = 0;
  let i = 0;
  while (i < raw.length && isBlank(raw[i]!)) i++;
  const fail = (pos: number, what: string) => syntaxError(at, `${what} at position ${pos + 1} of '${raw.trim()}'`);
  for (; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && !squote) {
      const next = raw[i + 1];
      switch (next) {
        case ' ':
        case '\\':
          current += next;
          i++;
          break;
        case 't':
          current += '\t';
          i++;
          break;
        case 'n':
          current += '\n';
          i++;
          break;
        case 'r':
          current += '\r';
          i++;
          break;
        case '#':
        case "'":
        case '"':
          current += next;
          i++;
          break;
        case '$':
          if (dquote) {
            current += '$';
            i++;
          } else current += '\\';
          break;
        case 'x':
          if (!isHex(raw[i + 2]) || !isHex(raw[i + 3])) throw fail(i, 'truncated or invalid hexadecimal sequence');
          current += String.fromCharCode(parseInt(raw.slice(i + 2, i + 4), 16));
          i += 3;
          break;
        default:
          // Not an escape sequence: the backslash stays and the next character is read normally.
          current += '\\';
      }
      started = true;
      continue;
    }
    if (c === '"' && !squote) {
      dquote = !dquote;
      quoteAt = i;
      started = true;
      continue;
    }
    if (c === "'" && !dquote) {
      squote = !squote;
      quoteAt = i;
      started = true;
      continue;
    }
    if (squote) {
      current += c;
      continue;
    }
    if (c === '#' && !dquote) break;
    if (c === '$' && dquote) {
      const r = expandVar(raw, i, at, env, fail);
      i = r.end;
      if (r.split) {
        // `${NAME[*]}`: each blank-separated part of the value becomes its own word.
        const parts = r.value.split(/[ \t\r\n\v\f]+/);
        parts.forEach((p, k) => {
          if (k > 0) {
            words.push(current);
            current = '';
          }
          current += p;
        });
      } else current += r.value;
      started = true;
      continue;
    }
    if (isBlank(c) && !dquote) {
      words.push(current);
      current = '';
      started = false;
      while (i + 1 < raw.length && isBlank(raw[i + 1]!)) i++;
      continue;
    }
    current += c;
    started = true;
  }
  if (squote || dquote) throw fail(quoteAt, 'unmatched quote');
  if (started) words.push(current);
  return words;
}

/**
 * The variable starting at raw[i] (`$`), inside double quotes. Returns its
 * value (empty when unset and without a default) and the index of the last
 * character consumed.
 */
function expandVar(
  raw: string,
  i: number,
  at: LineContext,
  env: NodeJS.ProcessEnv,
  fail: (pos: number, what: string) => Error,
): { value: string; end: number; split: boolean } {
  let p = i + 1;
  const brace = raw[p] === '{' ? p++ : -1;
  const first = raw[p];
  if (first === undefined || !/[A-Za-z_.]/.test(first)) throw fail(p, 'forbidden first char in environment variable name');
  const start = p;
  if (raw[p] === '.') p++;
  while (p < raw.length && /[A-Za-z0-9_]/.test(raw[p]!)) p++;
  const name = raw.slice(start, p);
  let value: string | undefined;
  if (name === '.LINE') value = String(at.line);
  else if (name === '.FILE') value = at.file;
  else if (name === '.SECTION') value = at.section ?? '';
  else value = env[name];
  let split = false;
  if (brace >= 0 && raw[p] === '[') {
    if (raw[p + 1] !== '*' || raw[p + 2] !== ']') throw fail(p, 'truncated or invalid word expansion sequence');
    split = true;
    p += 3;
  }
  if (brace >= 0) {
    if (raw[p] === '-') {
      const close = raw.indexOf('}', p);
      if (close < 0) throw fail(brace, 'unmatched brace in environment variable name');
      if (value === undefined) value = raw.slice(p + 1, close);
      p = close;
    } else if (raw[p] !== '}') throw fail(brace, 'unmatched brace in environment variable name');
    return { value: value ?? '', end: p, split };
  }
  return { value: value ?? '', end: p - 1, split };
}
