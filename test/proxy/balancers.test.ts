import { describe, it, expect } from 'vitest';
import { RoundRobinBalancer } from '../../src/proxy/balance/round-robin-balancer.js';
import { LeastConnBalancer } from '../../src/proxy/balance/least-conn-balancer.js';
import { FirstBalancer } from '../../src/proxy/balance/first-balancer.js';
import { HashBalancer, sdbmHash } from '../../src/proxy/balance/hash-balancer.js';
import { RandomBalancer } from '../../src/proxy/balance/random-balancer.js';
import type { BalancedServer } from '../../src/proxy/balance/balanced-server.js';

interface TestServer extends BalancedServer {
  active: number;
  up: boolean;
  maxconn: number;
}
function servers(weights: number[], opts: { backup?: number[] } = {}): TestServer[] {
  return weights.map((weight, i) => {
    const s: TestServer = {
      name: `s${i + 1}`,
      weight,
      backup: opts.backup?.includes(i + 1) ?? false,
      active: 0,
      up: true,
      maxconn: 0,
      usable() {
        return s.up && s.weight > 0;
      },
      hasSlot() {
        return s.usable() && (s.maxconn === 0 || s.active < s.maxconn);
      },
    };
    return s;
  });
}
const ctx = { srcAddr: '127.0.0.1', uri: '/' };
const sequence = (b: { pick: (c: typeof ctx) => BalancedServer | null }, n: number, c = ctx) =>
  Array.from({ length: n }, () => b.pick(c)?.name ?? '-').join(' ');

describe('round robin', () => {
  // Sequences observed from HAProxy 2.6 for the same weights.
  it.each([
    [[1, 1, 1], 's1 s2 s3 s1 s2 s3'],
    [[3, 1], 's1 s1 s1 s2 s1 s1 s1 s2'],
    [[1, 2], 's2 s2 s1 s2 s2 s1'],
    [[2, 1, 1], 's1 s2 s1 s3 s1 s2 s1 s3'],
    [[5, 3, 1], 's1 s1 s2 s1 s3 s2 s1 s1 s2'],
    [[1, 1, 3], 's3 s3 s1 s3 s2 s3 s3 s1 s3 s2'],
  ])('weights %j give %s', (weights, expected) => {
    const b = new RoundRobinBalancer(servers(weights));
    expect(sequence(b, expected.split(' ').length)).toBe(expected);
  });
  it('skips down servers and uses the first backup when no active one is left', () => {
    const list = servers([1, 1, 1], { backup: [2, 3] });
    const b = new RoundRobinBalancer(list);
    expect(sequence(b, 2)).toBe('s1 s1');
    list[0]!.up = false;
    expect(sequence(b, 3)).toBe('s2 s2 s2');
    list[1]!.up = false;
    expect(sequence(b, 2)).toBe('s3 s3');
    list[2]!.up = false;
    expect(b.pick(ctx)).toBeNull();
  });
  it('avoids the server being redispatched away from', () => {
    const list = servers([1, 1]);
    const b = new RoundRobinBalancer(list);
    expect(b.pick(ctx, list[0])!.name).toBe('s2');
  });
});

describe('other balancers', () => {
  it('leastconn prefers the server with fewer requests in flight', () => {
    const list = servers([1, 1]);
    list[0]!.active = 3;
    expect(new LeastConnBalancer(list).pick(ctx)!.name).toBe('s2');
  });
  it('first fills the first server up to maxconn', () => {
    const list = servers([1, 1]);
    list[0]!.maxconn = 2;
    const b = new FirstBalancer(list);
    expect(b.pick(ctx)!.name).toBe('s1');
    list[0]!.active = 2;
    expect(b.pick(ctx)!.name).toBe('s2');
  });
  it('source and uri hashing are stable and spread like HAProxy map-based hashing', () => {
    const b = new HashBalancer(servers([1, 1, 1]), 'source');
    expect(sequence(b, 3)).toBe('s3 s3 s3');
    const u = new HashBalancer(servers([1, 1, 1]), 'uri');
    const pick = (uri: string) => u.pick({ srcAddr: '', uri })!.name;
    expect(pick('/a')).toBe(pick('/a?x=1'));
    expect(sdbmHash('/a')).toBe((97 + ((47 << 6) >>> 0) + ((47 << 16) >>> 0) - 47) >>> 0);
  });
  it('random picks only usable servers', () => {
    const list = servers([1, 1]);
    list[1]!.up = false;
    expect(sequence(new RandomBalancer(list), 5)).toBe('s1 s1 s1 s1 s1');
  });
});
