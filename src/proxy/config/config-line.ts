/** One logical line of a configuration file, split into words, with where it came from. */
export interface ConfigLine {
  readonly file: string;
  readonly line: number;
  readonly words: readonly string[];
}

/** "haproxy.cfg:12" — the prefix every configuration message starts with. */
export function where(at: { file: string; line: number }): string {
  return `${at.file}:${at.line}`;
}
