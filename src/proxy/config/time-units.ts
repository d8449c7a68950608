/** HAProxy time values: a number with an optional unit; a bare number means milliseconds. */
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Returns milliseconds, or null when the text is not a valid time. */
export function parseTime(text: string): number | null {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
}
