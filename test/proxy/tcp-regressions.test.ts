import { describe, it, expect } from 'vitest';
import { StaticRrBalancer } from '../../src/proxy/balance/static-rr-balancer.js';
import { LeastConnBalancer } from '../../src/proxy/balance/least-conn-balancer.js';
import type { BalancedServer } from '../../src/proxy/balance/balanced-server.js';
import { formatTcpLog, type TcpLogRecord } from '../../src/proxy/log/tcp-log-line.js';

/** Pure-logic regressions found by the differential TCP tests (test/proxy/tcp-mode.test.ts). */

let seq = 0;
function server(name: string, weight = 1): BalancedServer & { active: number; loadSeq: number } {
  return { name, weight, backup: false, active: 0, loadSeq: 0, usable: () => true, hasSlot: () => true };
}

describe('TCP-mode regressions', () => {
  it('regression: static-rr with weights 2:1:1 serves s1 s1 s2 s3 (HAProxy map order, not the smoothed s1 s2 s1 s3)', () => {
    const b = new StaticRrBalancer([server('s1', 2), server('s2'), server('s3')]);
    const picks = Array.from({ length: 8 }, () => b.pick({ srcAddr: '', uri: '' })!.name);
    expect(picks).toEqual(['s1', 's1', 's2', 's3', 's1', 's1', 's2', 's3']);
  });

  it('regression: leastconn serves a server whose load just changed after its idle peers', () => {
    const [s1, s2, s3] = [server('s1'), server('s2'), server('s3')];
    const b = new LeastConnBalancer([s1, s2, s3]);
    // s1 served a connection that is over: it goes behind s2 and s3, which never changed.
    s1.loadSeq = ++seq;
    expect(b.pick({ srcAddr: '', uri: '' })!.name).toBe('s2');
    s2.active = 1;
    s2.loadSeq = ++seq;
    expect(b.pick({ srcAddr: '', uri: '' })!.name).toBe('s3');
    s3.active = 1;
    s3.loadSeq = ++seq;
    expect(b.pick({ srcAddr: '', uri: '' })!.name).toBe('s1');
  });

  it('regression: tcplog retries carry a + only when the connection was redispatched', () => {
    const base: TcpLogRecord = {
      clientAddr: '127.0.0.1',
      clientPort: 1,
      acceptedAt: Date.UTC(2026, 0, 1),
      frontend: 'fe',
      ssl: false,
      backend: 'be',
      server: 's1',
      tw: 0,
      tc: -1,
      tt: 5,
      bytes: 0,
      termination: 'SC',
      actconn: 1,
      feconn: 1,
      beconn: 0,
      srvconn: 0,
      retries: 1,
    };
    expect(formatTcpLog(base)).toMatch(/ 1\/1\/0\/0\/1 0\/0$/);
    expect(formatTcpLog({ ...base, redispatched: true })).toMatch(/ 1\/1\/0\/0\/\+1 0\/0$/);
    expect(formatTcpLog({ ...base, beQueue: 1 })).toMatch(/ 0\/1$/);
  });
});
