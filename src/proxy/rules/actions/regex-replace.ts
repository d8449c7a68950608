import { syntaxError } from '../../config/config-errors.js';
import type { Loc } from '../../config/model.js';

/** Compiles a replace-* regex (PCRE syntax close enough to JavaScript's for the usual patterns). */
export function compileRegex(text: string, at: Loc, what: string, ignoreCase = false): RegExp {
  try {
    return new RegExp(text, ignoreCase ? 'i' : '');
  } catch {
    throw syntaxError(at, `${what}: invalid regular expression '${text}'`);
  }
}

/**
 * HAProxy's replace: when the regex matches anywhere in `value`, the whole
 * value becomes `replacement` with `\0`..`\9` standing for the match and its
 * groups. Null when it does not match.
 */
export function replaceWhole(value: string, re: RegExp, replacement: string): string | null {
  const m = re.exec(value);
  if (!m) return null;
  return replacement.replace(/\\(\d)/g, (_all, d: string) => m[Number(d)] ?? '');
}
