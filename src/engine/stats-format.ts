import type { StatsSample } from './container-stats.js';

/**
 * The columns of `docker stats`, written the way the CLI writes them:
 * memory in binary units with four significant digits ("588KiB / 23.54GiB"),
 * network and block I/O in decimal units with three ("266B / 0B", "1.2kB").
 */
export interface StatsColumns {
  cpu: string;
  memUsage: string;
  memPercent: string;
  netIO: string;
  blockIO: string;
  pids: string;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

function scaled(bytes: number, base: number, units: string[], digits: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  // %g-style: significant digits, no trailing zeros.
  return `${Number(value.toPrecision(digits))}${units[unit]}`;
}

export function binarySize(bytes: number): string {
  return scaled(bytes, 1024, BINARY, 4);
}

export function decimalSize(bytes: number): string {
  return scaled(bytes, 1000, DECIMAL, 3);
}

export function statsColumns(sample: StatsSample): StatsColumns {
  return {
    cpu: `${sample.cpuPercent.toFixed(2)}%`,
    memUsage: `${binarySize(sample.memoryUsageBytes)} / ${binarySize(sample.memoryLimitBytes)}`,
    memPercent: `${sample.memoryPercent.toFixed(2)}%`,
    netIO: `${decimalSize(sample.networkRxBytes)} / ${decimalSize(sample.networkTxBytes)}`,
    blockIO: `${decimalSize(sample.blockReadBytes)} / ${decimalSize(sample.blockWriteBytes)}`,
    pids: String(sample.pids),
  };
}

/** One line in the order of the CLI's columns. */
export function statsLine(name: string, sample: StatsSample): string {
  const c = statsColumns(sample);
  return `${name}  CPU ${c.cpu}  MEM ${c.memUsage} (${c.memPercent})  NET ${c.netIO}  BLOCK ${c.blockIO}  PIDS ${c.pids}`;
}

/** Reads a size as the CLI prints it ("588KiB", "23.54GiB", "1.2kB", "0B") back into bytes. */
export function parseSize(text: string): number {
  const match = /^([\d.]+)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2] || 'B';
  const binary = BINARY.indexOf(unit);
  if (binary >= 0) return value * 1024 ** binary;
  const decimal = DECIMAL.findIndex((u) => u.toLowerCase() === unit.toLowerCase());
  if (decimal >= 0) return value * 1000 ** decimal;
  throw new Error(`unknown unit in ${JSON.stringify(text)}`);
}
