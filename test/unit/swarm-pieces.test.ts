import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeResultLines, demuxLogs, encodeResultLines, type GradedLearner } from '../../src/swarm/result-lines.js';
import { parseCpuLimit, parseMemoryLimit } from '../../src/swarm/task-limits.js';
import { slotOf } from '../../src/swarm/grader-layout.js';
import { heaviestEntries, packClass, SWARM_CONFIG_MAX_BYTES } from '../../src/swarm/learner-archive.js';
import { DocklabError } from '../../src/errors.js';

/** A log stream as the Engine API frames it: type, three zero bytes, big-endian length, payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const doc: GradedLearner = {
  node: 'n1',
  run: {
    runId: 'ab12cd34',
    status: 'fail',
    durationMs: 1234,
    output: ['built in 3 s'],
    results: [
      {
        id: 'app-answers',
        title: 'The app answers',
        status: 'fail',
        expected: 'Hello World',
        found: 'exited with code 1 — «ünïcode»',
        hint: 'install express',
        durationMs: 42,
        details: ['x'.repeat(20_000)],
      },
    ],
  },
};

describe('the results a grader task prints', () => {
  it('come back whole from framed task logs, split into lines well under a log driver limit, among other output', () => {
    const lines = encodeResultLines(doc);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line.length).toBeLessThan(16 * 1024);
    const logs = Buffer.concat([frame(1, 'npm notice\n'), ...lines.map((l) => frame(1, `${l}\n`)), frame(1, 'bye\n')]);
    expect(decodeResultLines(demuxLogs(logs))).toEqual(doc);
  });

  it('are not taken for a result when a line is missing', () => {
    const lines = encodeResultLines(doc);
    expect(decodeResultLines(lines.slice(1).join('\n'))).toBeUndefined();
    expect(decodeResultLines('nothing here')).toBeUndefined();
  });

  it('read as plain text when the logs are not framed', () => {
    expect(demuxLogs(Buffer.from('plain\n'))).toBe('plain\n');
  });
});

describe('task limits and slots', () => {
  it('read CPUs and memory as docker service create does, and refuse the rest with a usage line', () => {
    expect(parseCpuLimit('1.5')).toBe(1.5);
    expect(parseMemoryLimit('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemoryLimit('2g')).toBe(2 * 1024 ** 3);
    expect(parseMemoryLimit('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseCpuLimit(undefined)).toBeUndefined();
    for (const bad of ['0', '-1', 'two', '1e3x']) expect(() => parseCpuLimit(bad)).toThrow(/--limit-cpu takes/);
    for (const bad of ['1k', 'lots', '5m', '-2g']) expect(() => parseMemoryLimit(bad)).toThrow(/--limit-memory takes/);
  });

  it('take slot 0 for the node id Swarm puts in {{.Task.Slot}} of a job task in slot 0', () => {
    expect(slotOf('3')).toBe(3);
    expect(slotOf('xav361bekjrqmr4eac9u1dzqi')).toBe(0);
    expect(slotOf(undefined)).toBe(0);
  });
});

describe('learner folders as Swarm configs', () => {
  it('refuses a class with a folder over the config limit, naming its size and its heaviest entries', async () => {
    const root = mkdtempSync(join(tmpdir(), 'docklab-swarm-unit-'));
    mkdirSync(join(root, 'ada'));
    writeFileSync(join(root, 'ada', 'Dockerfile'), 'FROM node:18\n');
    mkdirSync(join(root, 'hoarder', 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(root, 'hoarder', 'node_modules', 'x', 'blob'), randomBytes(900_000));
    writeFileSync(join(root, 'hoarder', 'movie.bin'), randomBytes(300_000));
    writeFileSync(join(root, 'hoarder', 'Dockerfile'), 'FROM node:18\n');
    symlinkSync('/nowhere', join(root, 'hoarder', 'dangling'));
    expect(heaviestEntries(join(root, 'hoarder'))).toEqual(['node_modules/ (879 KiB)', 'movie.bin (293 KiB)', 'Dockerfile (1 KiB)']);
    const refused = await packClass(root, ['ada', 'hoarder']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DocklabError);
    expect((refused as DocklabError).code).toBe('DOCKLAB_SWARM_CONFIG_TOO_LARGE');
    expect((refused as DocklabError).message).toMatch(/hoarder \(11\d\d KiB as a tar; remove node_modules\/ \(879 KiB\), movie\.bin \(293 KiB\)/);
    expect((refused as DocklabError).message).not.toContain('ada');
    const fits = await packClass(root, ['ada']);
    expect(fits[0]!.length).toBeLessThan(SWARM_CONFIG_MAX_BYTES);
  });
});

describe('swarm flags on the command line', () => {
  it('are refused in one line with a usage code before any engine is asked', async () => {
    const { execa } = await import('execa');
    const { PROJECT_ROOT } = await import('../../src/version.js');
    const cli = (...args: string[]) =>
      execa(process.execPath, [join(PROJECT_ROOT, 'bin', 'docklab'), ...args], { reject: false, env: { CI: 'true', DOCKER_HOST: 'unix:///nowhere.sock' } });
    const cases: Array<[string[], RegExp]> = [
      [['verify', '3', '--swarm'], /--swarm, --limit-cpu and --limit-memory go with --all DIR/],
      [['verify', '3', '--all', tmpdir(), '--limit-cpu', '1'], /go with --swarm/],
      [['verify', '3', '--all', tmpdir(), '--swarm', '--limit-memory', '2k'], /--limit-memory takes a size/],
      [['swarm', 'prepare', '--port', '99999'], /--port takes a TCP port/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('[DOCKLAB_USAGE]');
    }
  });
});
