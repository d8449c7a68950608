import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { engineOrSkip } from './engine-gate.js';
import { labelsFor, newRunId } from '../../src/engine/labels.js';
import { readStatsSample } from '../../src/engine/container-stats.js';
import { parseSize, statsColumns } from '../../src/engine/stats-format.js';
import { tearDown } from '../../src/engine/teardown.js';

/**
 * docklab's stats against the docker CLI's own, side by side, for two
 * sleeping busybox containers (lab 18's task). Needs the CLI on PATH.
 */
const engine = await engineOrSkip();
const cli = (() => {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe' });
    return true;
  } catch (error) {
    // setup installs docker.io, which brings the CLI: in CI its absence is a failure, not a skip.
    if (process.env.CI) throw error;
    return false;
  }
})();
const run = newRunId();

interface CliRow {
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

describe.skipIf(!engine || !cli)('stats as docker stats computes them', () => {
  afterAll(async () => {
    await tearDown(engine!.docker, { runs: [run] });
  });

  it('agrees with `docker stats --no-stream` for sleeping containers', { timeout: 60_000 }, async () => {
    const docker = engine!.docker;
    const ids: string[] = [];
    for (const name of ['busybox1', 'busybox2']) {
      const container = await docker.createContainer({
        name: `docklab-test-${run}-${name}`,
        Image: 'busybox:latest',
        Cmd: ['sleep', '1000'],
        Labels: labelsFor({ lab: 'test', run }),
      });
      await container.start();
      ids.push(container.id);
    }
    // A first reading lets the fresh containers settle (it waits for two readings itself).
    await Promise.all(ids.map((id) => readStatsSample(docker, id)));
    const [ours, theirs] = await Promise.all([
      Promise.all(ids.map((id) => readStatsSample(docker, id))),
      Promise.resolve().then(() =>
        execFileSync('docker', ['stats', '--no-stream', '--format', '{{json .}}', ...ids], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as CliRow),
      ),
    ]);
    for (const [i, sample] of ours.entries()) {
      const row = theirs[i]!;
      const columns = statsColumns(sample);
      process.stdout.write(`docklab: ${columns.cpu} | ${columns.memUsage} | ${columns.netIO} | ${columns.blockIO} | ${columns.pids}\n`);
      process.stdout.write(`cli:     ${row.CPUPerc} | ${row.MemUsage} | ${row.NetIO} | ${row.BlockIO} | ${row.PIDs}\n`);
      // Both near 0 for a sleeping process.
      expect(sample.cpuPercent).toBeLessThan(1);
      expect(Number.parseFloat(row.CPUPerc)).toBeLessThan(1);
      const [usage, limit] = row.MemUsage.split(' / ').map(parseSize) as [number, number];
      // Memory moves a little between two readings: within 5 % or 300 kB.
      expect(Math.abs(sample.memoryUsageBytes - usage)).toBeLessThanOrEqual(Math.max(usage * 0.05, 300_000));
      // The limit is fixed; the CLI prints four significant digits.
      expect(Math.abs(sample.memoryLimitBytes - limit) / limit).toBeLessThan(0.001);
      expect(String(sample.pids)).toBe(row.PIDs);
      const [rx] = row.NetIO.split(' / ').map(parseSize) as [number, number];
      expect(Math.abs(sample.networkRxBytes - rx)).toBeLessThanOrEqual(Math.max(rx * 0.05, 1_000));
      expect(columns.blockIO).toBe(row.BlockIO);
    }
  });
});
