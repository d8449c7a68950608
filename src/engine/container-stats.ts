import type Docker from 'dockerode';

/** One stats sample, computed the way `docker stats` computes its columns. */
export interface StatsSample {
  cpuPercent: number;
  memoryUsageBytes: number;
  memoryLimitBytes: number;
  memoryPercent: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

/** The engine's raw stats document, as far as docklab reads it. */
export interface RawStats {
  cpu_stats: { cpu_usage: { total_usage: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  pids_stats?: { current?: number };
}

/** Asks the engine for one sample (it waits for a second reading so CPU has a delta). */
export async function readStatsSample(docker: Docker, containerId: string): Promise<StatsSample> {
  const raw = (await docker.getContainer(containerId).stats({ stream: false })) as unknown as RawStats;
  return computeStats(raw);
}

export function computeStats(raw: RawStats): StatsSample {
  const cpuDelta = raw.cpu_stats.cpu_usage.total_usage - raw.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (raw.cpu_stats.system_cpu_usage ?? 0) - (raw.precpu_stats.system_cpu_usage ?? 0);
  const cpus = raw.cpu_stats.online_cpus || raw.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  // A first sample has no previous reading: no delta, no figure.
  const hasPrevious = Boolean(raw.precpu_stats.system_cpu_usage);
  const cpuPercent = hasPrevious && systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;

  // Like the CLI: page cache that could be dropped is not "used" memory.
  // cgroup v1 reports total_inactive_file, cgroup v2 inactive_file.
  const stats = raw.memory_stats.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  const usage = raw.memory_stats.usage ?? 0;
  const memoryUsageBytes = inactive < usage ? usage - inactive : usage;
  const memoryLimitBytes = raw.memory_stats.limit ?? 0;

  let networkRxBytes = 0;
  let networkTxBytes = 0;
  for (const network of Object.values(raw.networks ?? {})) {
    networkRxBytes += network.rx_bytes;
    networkTxBytes += network.tx_bytes;
  }
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  for (const entry of raw.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (entry.op.toLowerCase() === 'read') blockReadBytes += entry.value;
    if (entry.op.toLowerCase() === 'write') blockWriteBytes += entry.value;
  }
  return {
    cpuPercent,
    memoryUsageBytes,
    memoryLimitBytes,
    memoryPercent: memoryLimitBytes > 0 ? (memoryUsageBytes / memoryLimitBytes) * 100 : 0,
    networkRxBytes,
    networkTxBytes,
    blockReadBytes,
    blockWriteBytes,
    pids: raw.pids_stats?.current ?? 0,
  };
}
