import { describe, expect, it } from 'vitest';
import { computeStats, type RawStats } from '../../src/engine/container-stats.js';

const sample: RawStats = {
  cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
  memory_stats: { usage: 10_000_000, limit: 100_000_000, stats: { total_inactive_file: 2_000_000 } },
  networks: { eth0: { rx_bytes: 100, tx_bytes: 50 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { op: 'Read', value: 4096 },
      { op: 'Write', value: 8192 },
      { op: 'Total', value: 12288 },
    ],
  },
  pids_stats: { current: 3 },
};

describe('stats computed the way docker stats computes them', () => {
  it('gives CPU % from the deltas times the online CPUs', () => {
    expect(computeStats(sample).cpuPercent).toBeCloseTo(20);
  });
  it('leaves inactive page cache out of memory use', () => {
    const stats = computeStats(sample);
    expect(stats.memoryUsageBytes).toBe(8_000_000);
    expect(stats.memoryPercent).toBeCloseTo(8);
  });
  it('sums networks and block I/O', () => {
    expect(computeStats(sample)).toMatchObject({ networkRxBytes: 101, networkTxBytes: 52, blockReadBytes: 4096, blockWriteBytes: 8192, pids: 3 });
  });
  it('reads cgroup v2 inactive_file and survives a first sample without deltas', () => {
    const v2 = computeStats({
      ...sample,
      precpu_stats: { cpu_usage: { total_usage: 0 } },
      memory_stats: { usage: 5_000, limit: 10_000, stats: { inactive_file: 1_000 } },
    });
    expect(v2.memoryUsageBytes).toBe(4_000);
    expect(v2.cpuPercent).toBe(0);
  });
});
