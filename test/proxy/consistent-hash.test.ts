import { describe, it, expect } from 'vitest';
import { ConsistentHashRing } from '../../src/proxy/balance/consistent-hash-ring.js';
import { crc32, djb2, fullHash, hashKey, sdbm, wt6 } from '../../src/proxy/balance/hash-functions.js';
import { domainPart, firstHeaderValue, uriKey, urlParamValue } from '../../src/proxy/balance/hash-key.js';
import { HashBalancer } from '../../src/proxy/balance/hash-balancer.js';
import type { BalancedServer } from '../../src/proxy/balance/balanced-server.js';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');

function server(name: string, weight = 1): BalancedServer & { up: boolean } {
  const s = { name, weight, backup: false, active: 0, up: true, usable: () => s.up, hasSlot: () => s.up };
  return s;
}

describe('hash functions', () => {
  it('crc32 gives the standard check value', () => {
    expect(crc32(bytes('123456789'))).toBe(0xcbf43926);
  });
  it('djb2 and sdbm follow their definitions', () => {
    expect(djb2(bytes(''))).toBe(5381);
    expect(djb2(bytes('a'))).toBe(5381 * 33 + 97);
    expect(sdbm(bytes('a'))).toBe(97);
    expect(sdbm(bytes('ab'))).toBe((98 + 97 * 65599) >>> 0);
    expect(hashKey('sdbm', '/a')).toBe(0x2f0bf2);
  });
  it('wt6 starts from its seeds and depends on every byte', () => {
    expect(wt6(bytes(''))).toBe((0xa53c965a ^ 0x5ca6953a) >>> 0);
    expect(wt6(bytes('abc'))).not.toBe(wt6(bytes('abd')));
  });
  it('full avalanche hash mixes consecutive integers far apart, as 32-bit unsigned', () => {
    const a = fullHash(4096);
    const b = fullHash(4097);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 32);
    expect(Math.abs(a - b)).toBeGreaterThan(1 << 20);
  });
});

describe('consistent hash ring', () => {
  it('gives each server weight × 16 points at fullHash(id × 4096 + n), sorted', () => {
    const s1 = server('s1', 1);
    const s2 = server('s2', 3);
    const ring = new ConsistentHashRing([
      { server: s1, id: 1 },
      { server: s2, id: 2 },
    ]);
    expect(ring.nodes.filter((n) => n.server === s1)).toHaveLength(16);
    expect(ring.nodes.filter((n) => n.server === s2)).toHaveLength(48);
    const keys = ring.nodes.map((n) => n.key);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(ring.nodes.find((n) => n.server === s2 && n.key === fullHash(2 * 4096 + 47))).toBeDefined();
    expect(ring.nodes.find((n) => n.server === s1 && n.key === fullHash(4096))).toBeDefined();
  });
  it('sends a key to the nearer point, the one before on a tie, wrapping around', () => {
    const s1 = server('s1');
    const s2 = server('s2');
    const ring = new ConsistentHashRing([
      { server: s1, id: 1 },
      { server: s2, id: 2 },
    ]);
    const n = ring.nodes;
    // Two neighbours an even distance apart: their midpoint is an exact tie, which goes to the point before.
    const i = n.findIndex((x, k) => k + 1 < n.length && (n[k + 1]!.key - x.key) % 2 === 0 && n[k + 1]!.key - x.key > 2);
    expect(i).toBeGreaterThanOrEqual(0);
    const mid = (n[i]!.key + n[i + 1]!.key) / 2;
    expect(ring.lookup(mid)).toBe(i);
    expect(ring.lookup(mid + 1)).toBe(i + 1);
    expect(ring.lookup(mid - 1)).toBe(i);
    expect(ring.lookup(n[5]!.key)).toBe(5);
    // Below the first point: the last point is nearer when the gap across zero is smaller.
    const last = n[n.length - 1]!.key;
    const first = n[0]!.key;
    const gapAcross = 2 ** 32 - last + first;
    expect(ring.lookup(0)).toBe(first <= gapAcross - first ? 0 : n.length - 1);
  });
  it('taking a server out moves only the keys it had', () => {
    const list = [server('s1'), server('s2'), server('s3')];
    const b = new HashBalancer(list, { algo: 'uri' }, { hashType: { type: 'consistent', fn: 'sdbm', avalanche: true, loc: { file: 't', line: 1 } } });
    const keys = Array.from({ length: 200 }, (_, i) => `/item/${i}`);
    const before = keys.map((k) => b.pick({ srcAddr: '', uri: k })!.name);
    list[1]!.up = false;
    const after = keys.map((k) => b.pick({ srcAddr: '', uri: k })!.name);
    keys.forEach((_, i) => {
      if (before[i] !== 's2') expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe('s2');
    });
    expect(before.filter((s) => s === 's2').length).toBeGreaterThan(20);
  });
});

describe('hash inputs', () => {
  it('use_domain_only keeps the label before the top-level domain', () => {
    expect(domainPart('www.example.com')).toBe('example');
    expect(domainPart('example.com')).toBe('example');
    expect(domainPart('a.b.c.d.zeta.com')).toBe('zeta');
    expect(domainPart('localhost')).toBe('localhost');
  });
  it('url_param takes the first exact parameter up to the next &', () => {
    expect(urlParamValue('/x?a=1&userid=42&b=2', 'userid')).toBe('42');
    expect(urlParamValue('/?myuserid=5', 'userid')).toBeNull();
    expect(urlParamValue('/?userid=', 'userid')).toBe('');
    expect(urlParamValue('/', 'userid')).toBeNull();
  });
  it('uri depth, len and whole cut the URI as HAProxy does', () => {
    expect(uriKey('/a/b/c?x', { whole: false, len: 0, depth: 2, pathOnly: false })).toBe('/a/b');
    expect(uriKey('/a/b/c?x', undefined)).toBe('/a/b/c');
    expect(uriKey('/q?x=1', { whole: true, len: 4, depth: 0, pathOnly: false })).toBe('/q?x');
    expect(uriKey('http://h/p?q', { whole: false, len: 0, depth: 0, pathOnly: true })).toBe('/p');
  });
  it('hdr() hashes the first value of the first occurrence', () => {
    expect(
      firstHeaderValue(
        [
          ['X-User', ' dave , erin'],
          ['x-user', 'z'],
        ],
        'x-user',
      ),
    ).toBe('dave');
  });
  it('hash-type consistent without a function also applies avalanche; naming one does not', () => {
    const parse = (line: string) =>
      ConfigParser.parseText(`defaults\n  mode http\nbackend b\n  ${line}\n  server s1 127.0.0.1:1\n`, 'h.cfg').backends[0]!.settings.hashType!;
    expect(parse('hash-type consistent')).toMatchObject({ type: 'consistent', fn: 'sdbm', avalanche: true });
    expect(parse('hash-type consistent sdbm')).toMatchObject({ avalanche: false });
    expect(parse('hash-type map-based djb2 avalanche')).toMatchObject({ type: 'map-based', fn: 'djb2', avalanche: true });
    expect(() => parse('hash-type consistent md5')).toThrow(/h\.cfg:4/);
  });
});
