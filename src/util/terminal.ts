import { ListrRendererValue } from 'listr2';

/** Colours and spinners only for a person at a terminal: not in CI, not piped, not with NO_COLOR. */
export function isInteractiveOutput(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.CI && process.env.NO_COLOR === undefined;
}

/**
 * listr2's options for docklab's task lists. listr2 never handles SIGINT
 * itself (it would exit with 127 before any teardown): docklab's one
 * interruption handler does (src/util/interruption.ts).
 */
export function listrRenderer(): { renderer: ListrRendererValue; fallbackRenderer: ListrRendererValue; registerSignalListeners: false } {
  return isInteractiveOutput()
    ? { renderer: 'default', fallbackRenderer: 'simple', registerSignalListeners: false }
    : { renderer: 'simple', fallbackRenderer: 'simple', registerSignalListeners: false };
}

const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
type Colour = keyof typeof codes;

export function paint(colour: Colour, text: string): string {
  return isInteractiveOutput() ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A plain text table: columns padded to the widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => stripAnsi(r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell + ' '.repeat(widths[i]! - stripAnsi(cell).length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
