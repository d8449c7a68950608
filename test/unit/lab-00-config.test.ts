import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServers } from '../../labs/00-l7-load-balancing/lab.js';
import { distHash } from '../../src/images/proxy-image.js';
import { LABS_DIR } from '../../src/labs/lab-loader.js';

const lab = join(LABS_DIR, '00-l7-load-balancing');

describe('lab 0 reads check timing from server lines', () => {
  it('reads inter, fall and rise of the reference solution', () => {
    const servers = parseServers(readFileSync(join(lab, 'solution', 'haproxy.cfg'), 'utf8'));
    expect(servers.map((s) => s.name)).toEqual(['static1', 'dynamic1', 'dynamic2']);
    expect(servers.find((s) => s.name === 'dynamic2')).toMatchObject({ check: true, inter: 500, fall: 2, rise: 2 });
  });
  it('sees a server line without check', () => {
    const servers = parseServers(readFileSync(join(lab, 'broken', 'no-health-check', 'haproxy.cfg'), 'utf8'));
    expect(servers.find((s) => s.name === 'dynamic2')?.check).toBe(false);
    expect(servers.find((s) => s.name === 'dynamic1')?.check).toBe(true);
  });
  it("takes HAProxy's defaults, default-server lines and time units", () => {
    const cfg = [
      'defaults',
      '    default-server inter 1s',
      'backend a',
      '    server a1 a1:80 check',
      'backend b',
      '    default-server fall 5 check',
      '    server b1 b1:80 rise 4 # comment',
      '    server b2 b2:80 inter 250 no-check',
    ].join('\n');
    const [a1, b1, b2] = parseServers(cfg);
    expect(a1).toMatchObject({ check: true, inter: 1000, fall: 3, rise: 2 });
    expect(b1).toMatchObject({ check: true, inter: 1000, fall: 5, rise: 4 });
    expect(b2).toMatchObject({ check: false, inter: 250 });
  });
});

describe("docklab's proxy image", () => {
  it('hashes a dist folder by names and contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-dist-'));
    mkdirSync(join(dir, 'cli'));
    writeFileSync(join(dir, 'cli', 'a.js'), 'one');
    const first = distHash(dir);
    expect(distHash(dir)).toBe(first);
    writeFileSync(join(dir, 'cli', 'a.js'), 'two');
    expect(distHash(dir)).not.toBe(first);
    rmSync(dir, { recursive: true, force: true });
  });
});
