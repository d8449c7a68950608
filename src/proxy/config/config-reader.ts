import { hostname } from 'node:os';
import type { ConfigLine } from './config-line.js';
import { where } from './config-line.js';
import { splitRawLines, splitWords } from './tokenizer.js';
import { evaluateCondition } from './cond-expr.js';
import { syntaxError } from './config-errors.js';
import { isSectionKeyword } from './section-keywords.js';

/** What the reader hands back besides statements: messages from `.notice`, `.warning`, `.alert`. */
export interface ReaderSink {
  /** A message HAProxy prints as a warning (it counts for `zero-warning`). */
  warning(text: string): void;
  notice(text: string): void;
  /** docklab's own remark (not an HAProxy warning). */
  note(text: string): void;
}

interface Block {
  active: boolean;
  taken: boolean;
  seenElse: boolean;
  line: number;
}

/**
 * Reads a configuration file statement by statement, the way HAProxy's
 * parser walks it: lines are split one at a time with the environment as it
 * is at that line (so `setenv` in `global` applies to the lines after it),
 * `.if/.elif/.else/.endif` blocks are applied, and `.diag/.notice/.warning/
 * .alert` are handled. Lines inside a skipped block are still split (a bad
 * quote there is still an error) but not evaluated.
 */
export class ConfigReader {
  /** The environment seen by `"${VAR}"`; a private copy so that setenv never leaks into the process. */
  readonly env: NodeJS.ProcessEnv;
  private section: string | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string,
    env: NodeJS.ProcessEnv,
    private readonly sink: ReaderSink,
    /** Flag a last line without its newline, which HAProxy refuses in files (it may be truncated). */
    private readonly requireFinalNewline = false,
  ) {
    this.env = { ...env };
    this.env['HAPROXY_LOCALPEER'] ??= hostname();
  }

  *lines(): Generator<ConfigLine> {
    const raw = splitRawLines(this.text);
    if (this.requireFinalNewline && raw.length > 0 && raw[raw.length - 1] !== '') {
      // HAProxy 2.6 refuses such a file; docklab only warns so that a file edited without a final newline still runs.
      this.sink.note(
        `${this.file}:${raw.length}: warning: missing LF on last line: HAProxy 2.6 refuses this file (it might have been truncated); end it with a newline`,
      );
    }
    const blocks: Block[] = [];
    const active = () => blocks.every((b) => b.active);
    for (let i = 0; i < raw.length; i++) {
      const at = { file: this.file, line: i + 1, ...(this.section !== undefined ? { section: this.section } : {}) };
      const words = splitWords(raw[i]!, at, this.env);
      if (words.length === 0) continue;
      const kw = words[0]!;
      const loc = { file: this.file, line: i + 1 };
      if (kw === '.if') {
        // Inside a skipped block the condition is not even parsed, as in HAProxy.
        const outer = active();
        const v = outer ? evaluateCondition(words.slice(1), kw, { env: this.env, at: loc }) : false;
        blocks.push({ active: outer && v, taken: !outer || v, seenElse: false, line: i + 1 });
        continue;
      }
      if (kw === '.elif' || kw === '.else' || kw === '.endif') {
        const top = blocks[blocks.length - 1];
        if (!top) throw syntaxError(loc, `lone '${kw}' with no matching '.if'`);
        if (kw === '.endif') {
          if (words.length > 1) throw syntaxError(loc, `unexpected argument '${words[1]}' for '.endif'`);
          blocks.pop();
          continue;
        }
        if (top.seenElse) throw syntaxError(loc, `'${kw}' after '.else' is not permitted`);
        if (kw === '.else') {
          top.seenElse = true;
          top.active = !top.taken;
          top.taken = true;
          continue;
        }
        if (top.taken) {
          top.active = false;
          continue;
        }
        const outer = blocks.slice(0, -1).every((b) => b.active);
        const v = outer ? evaluateCondition(words.slice(1), kw, { env: this.env, at: loc }) : false;
        top.active = v;
        top.taken = v;
        continue;
      }
      if (!active()) continue;
      if (kw === '.diag' || kw === '.notice' || kw === '.warning' || kw === '.alert') {
        if (words.length > 2) throw syntaxError(loc, `unexpected argument '${words[2]}' for '${kw}'; quote the message if it contains spaces`);
        const msg = `${where(loc)}: ${words[1] ?? ''}`;
        if (kw === '.alert') throw syntaxError(loc, `alert: ${words[1] ?? ''}`);
        if (kw === '.warning') this.sink.warning(msg);
        else if (kw === '.notice') this.sink.notice(msg);
        continue;
      }
      if (kw.startsWith('.')) throw syntaxError(loc, `unknown directive '${kw}'; use .if, .elif, .else, .endif, .diag, .notice, .warning or .alert`);
      // HAProxy's keyword parsers stop at the first empty word: `set-header X ""` has one argument.
      const empty = words.indexOf('');
      const kept = empty < 0 ? words : words.slice(0, empty);
      if (kept.length === 0) continue;
      if (isSectionKeyword(kw)) this.section = kept[1] ?? kw; // `${.SECTION}`: the section's name, else its keyword
      yield { file: this.file, line: i + 1, words: kept };
    }
    if (blocks.length > 0)
      throw syntaxError({ file: this.file, line: raw.length }, `non-terminated '.if' block (opened at line ${blocks[blocks.length - 1]!.line}); add '.endif'`);
  }
}
