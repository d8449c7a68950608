import { describe, expect, it } from 'vitest';
import { binarySize, decimalSize, parseSize, statsColumns } from '../../src/engine/stats-format.js';

describe('stats columns written the way the docker CLI writes them', () => {
  it('writes memory in binary units with four significant digits', () => {
    expect(binarySize(588 * 1024)).toBe('588KiB');
    expect(binarySize(23.54 * 1024 ** 3)).toBe('23.54GiB');
    expect(binarySize(0)).toBe('0B');
    expect(binarySize(32 * 1024 ** 2)).toBe('32MiB');
  });
  it('writes I/O in decimal units with three significant digits', () => {
    expect(decimalSize(266)).toBe('266B');
    expect(decimalSize(1234)).toBe('1.23kB');
    expect(decimalSize(4_096_000)).toBe('4.1MB');
  });
  it('reads the CLI sizes back', () => {
    expect(parseSize('588KiB')).toBe(588 * 1024);
    expect(parseSize('1.2kB')).toBe(1200);
    expect(parseSize('0B')).toBe(0);
    expect(() => parseSize('lots')).toThrow();
  });
  it('puts a sample into the columns', () => {
    const columns = statsColumns({
      cpuPercent: 0.123,
      memoryUsageBytes: 1024 * 1024,
      memoryLimitBytes: 32 * 1024 * 1024,
      memoryPercent: 3.125,
      networkRxBytes: 266,
      networkTxBytes: 0,
      blockReadBytes: 0,
      blockWriteBytes: 4096,
      pids: 1,
    });
    expect(columns).toEqual({ cpu: '0.12%', memUsage: '1MiB / 32MiB', memPercent: '3.13%', netIO: '266B / 0B', blockIO: '0B / 4.1kB', pids: '1' });
  });
});
