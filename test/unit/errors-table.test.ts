import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/version.js';

/** The README's table of errors and src/errors.ts say the same thing. */
describe('the errors table', () => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(DOCKLAB_[A-Z_]+)` *\| (\d) *\|/gm)].map((m) => ({ code: m[1]!, exit: Number(m[2]) }));

  it('lists every code with its exit status', () => {
    const documented = Object.fromEntries(rows.map((r) => [r.code, r.exit]));
    const declared = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.exit]));
    expect(documented).toEqual(declared);
  });

  it('names every code once', () => {
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
  });
});
