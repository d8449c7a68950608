/**
 * Splits the inside of `name(...)` at commas, the way HAProxy reads sample
 * arguments: the first unquoted ')' ends the list (parentheses do not nest,
 * so a regex with groups must be quoted), single or double quotes protect
 * commas and parentheses, and a backslash escapes a quote, a comma, a
 * parenthesis or itself; before anything else it stays (regex escapes such as
 * `\.` reach the regex). Returns the arguments and the index just past the
 * closing parenthesis, or null when it is missing.
 */
export function splitArgs(text: string, open: number): { args: string[]; end: number } | null {
  const args: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const n = text[i + 1]!;
      if ('\\\'",()'.includes(n)) {
        cur += n;
        i++;
      } else cur += c;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (c === ')') {
      if (cur !== '' || args.length > 0) args.push(cur);
      return { args, end: i + 1 };
    }
    if (c === ',') {
      args.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  return null;
}

/**
 * Index of the ']' that closes a `%[expr]` starting at `from`, skipping
 * argument lists (a regex such as `[a-z]` inside `regsub(…)` does not end
 * it); -1 when there is none.
 */
export function sampleExprEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === ']') return i;
    if (c === '(') {
      const split = splitArgs(text, i);
      if (!split) return -1;
      i = split.end - 1;
    }
  }
  return -1;
}
