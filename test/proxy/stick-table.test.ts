import { describe, it, expect } from 'vitest';
import { FreqCounter } from '../../src/proxy/stick/freq-counter.js';
import { StickTable } from '../../src/proxy/stick/stick-table.js';
import { toStickKey } from '../../src/proxy/stick/stick-key.js';
import type { StickTableModel } from '../../src/proxy/stick/stick-data.js';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { Router } from '../../src/proxy/runtime/router.js';
import { requestByteCount } from '../../src/proxy/stick/stick-runtime.js';

/** Pure logic of stick tables: HAProxy's frequency counters, expiry, purging when full, key conversion. */

const T0 = 1_700_000_000_000;

function model(over: Partial<StickTableModel> = {}): StickTableModel {
  return {
    name: 't',
    type: 'ip',
    keyLen: 32,
    size: 100,
    expire: 30_000,
    nopurge: false,
    counters: ['http_req_cnt', 'conn_cur', 'gpc0'],
    rates: new Map([['http_req_rate', 10_000]]),
    loc: { file: 'x.cfg', line: 1 },
    ...over,
  };
}

function clock(start = T0): { now: () => number; at: (t: number) => void } {
  let t = start;
  return {
    now: () => t,
    at: (v) => {
      t = v;
    },
  };
}

describe('FreqCounter (HAProxy period frequency counter)', () => {
  it('counts events of the current period', () => {
    const f = new FreqCounter();
    for (let i = 0; i < 4; i++) f.add(T0 + i, 10_000, 1);
    expect(f.read(T0 + 10, 10_000)).toBe(4);
  });

  it('weighs the previous period by the part of it still inside the window', () => {
    const f = new FreqCounter();
    for (let i = 0; i < 4; i++) f.add(T0, 2000, 1);
    f.add(T0 + 2550, 2000, 1);
    // remain = 2000 - 550 = 1450: 4 * 1450 / 2000 + 1 = 3.9 -> 3 (as observed on HAProxy 2.6)
    expect(f.read(T0 + 2550, 2000)).toBe(3);
    f.add(T0 + 3550, 2000, 1);
    expect(f.read(T0 + 3550, 2000)).toBe(2);
  });

  it('forgets everything after two idle periods and restarts the period at the next event', () => {
    const f = new FreqCounter();
    f.add(T0, 1000, 5);
    expect(f.read(T0 + 1500, 1000)).toBe(2); // 5 * 500 / 1000
    expect(f.read(T0 + 2000, 1000)).toBe(0);
    f.add(T0 + 5001, 1000, 1);
    expect(f.tick).toBe(T0 + 5000); // even tick, as HAProxy keeps them
    expect(f.read(T0 + 5001, 1000)).toBe(1);
  });

  it('survives a copy to another process', () => {
    const f = new FreqCounter();
    f.add(T0, 1000, 3);
    expect(FreqCounter.from(f.toJSON()).read(T0 + 10, 1000)).toBe(3);
  });
});

describe('StickTable', () => {
  it('tracking counts a connection and a request; release counts bytes and errors and frees conn_cur', () => {
    const c = clock();
    const t = new StickTable(model({ counters: ['conn_cnt', 'conn_cur', 'http_req_cnt', 'http_err_cnt', 'bytes_in_cnt'] }), c.now);
    const e = t.track('10.0.0.1')!;
    expect([e.n.conn_cnt, e.n.conn_cur, e.n.http_req_cnt, e.ref]).toEqual([1, 1, 1, 1]);
    expect(t.read(e, 'http_req_rate')).toBe(1);
    t.releaseRequest(e, { bytesIn: 2048, bytesOut: 10, status: 429 });
    expect([e.n.conn_cur, e.n.http_err_cnt, e.n.bytes_in_cnt, e.ref]).toEqual([0, 1, 2048, 0]);
    t.releaseRequest(t.track('10.0.0.1')!, { bytesIn: 0, bytesOut: 0, status: 503 });
    expect(e.n.http_err_cnt).toBe(1);
  });

  it('an entry idle longer than expire is gone; a tracked one stays', () => {
    const c = clock();
    const t = new StickTable(model({ expire: 1000 }), c.now);
    const idle = t.getOrCreate('10.0.0.1')!;
    const held = t.track('10.0.0.2')!;
    c.at(T0 + 999);
    expect(t.lookup('10.0.0.1')).toBe(idle);
    c.at(T0 + 1000);
    expect(t.lookup('10.0.0.1')).toBeUndefined();
    expect(t.lookup('10.0.0.2')).toBe(held);
    expect(t.count()).toBe(1);
    t.releaseRequest(held, { bytesIn: 0, bytesOut: 0, status: 200 });
    c.at(T0 + 1999);
    expect(t.count()).toBe(1);
    c.at(T0 + 2000);
    expect(t.count()).toBe(0);
  });

  it('a full table purges the least recently touched entries, never a tracked one', () => {
    const c = clock();
    const t = new StickTable(model({ size: 2 }), c.now);
    t.getOrCreate('a');
    c.at(T0 + 1);
    t.getOrCreate('b');
    c.at(T0 + 2);
    t.touch(t.lookup('a')!);
    c.at(T0 + 3);
    t.getOrCreate('c');
    expect([...t.all()].map((e) => e.key)).toEqual(['a', 'c']);
    t.track('a');
    t.track('c');
    expect(t.getOrCreate('d')).toBeUndefined();
    expect(t.available()).toBe(0);
  });

  it('purges size/256+1 entries at once, as HAProxy does', () => {
    const c = clock();
    const t = new StickTable(model({ size: 512 }), c.now);
    for (let i = 0; i < 512; i++) t.getOrCreate(`k${i}`);
    t.getOrCreate('new');
    expect(t.count()).toBe(512 - 3 + 1);
    expect(t.lookup('k0')).toBeUndefined();
    expect(t.lookup('k3')).toBeDefined();
  });

  it('nopurge refuses new keys when full', () => {
    const t = new StickTable(model({ size: 1, nopurge: true }));
    expect(t.getOrCreate('a')).toBeDefined();
    expect(t.getOrCreate('b')).toBeUndefined();
    expect(t.getOrCreate('a')).toBeDefined();
  });

  it('gpc0 increments and clears; types not stored give undefined', () => {
    const t = new StickTable(model({ counters: ['gpc0'], rates: new Map() }));
    const e = t.getOrCreate('a')!;
    expect(t.incGpc(e, 0)).toBe(1);
    expect(t.incGpc(e, 1)).toBeUndefined();
    expect(t.clearGpc(e, 0)).toBe(1);
    expect(t.read(e, 'gpc0')).toBe(0);
    expect(t.read(e, 'http_req_rate')).toBeUndefined();
    expect(t.setGpt0(e, 3)).toBe(false);
  });
});

describe('bytes_in', () => {
  it('counts a request as HAProxy stores it: the head less 4 bytes per header field, plus the body', () => {
    const head = Buffer.from('GET /a HTTP/1.1\r\nHost: 127.0.0.1:12345\r\nConnection: close\r\n\r\n');
    expect(requestByteCount(head, 0)).toBe(head.length - 8);
    expect(requestByteCount(head, 11)).toBe(head.length - 8 + 11);
  });
});

describe('stick keys', () => {
  it('convert samples as HAProxy casts them', () => {
    expect(toStickKey('ip', 32, '::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(toStickKey('ip', 32, '2001:db8::1')).toBeUndefined();
    expect(toStickKey('ipv6', 32, '10.1.2.3')).toBe('::ffff:10.1.2.3');
    expect(toStickKey('ipv6', 32, '2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(toStickKey('integer', 32, 'abc')).toBe('0');
    expect(toStickKey('integer', 32, '-5')).toBe('4294967291');
    expect(toStickKey('integer', 32, '042')).toBe('42');
    expect(toStickKey('string', 4, 'abcdef')).toBe('abcd');
    expect(toStickKey('string', 4, undefined)).toBeUndefined();
  });
});

describe('stick-table configuration', () => {
  const parse = (body: string) =>
    ConfigParser.parseText(`defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n${body}`, 'x.cfg');
  const fe = (lines: string) => `frontend f\n  bind 127.0.0.1:1\n${lines}\n`;

  it('reads type, size suffixes, expire, nopurge and store lists', () => {
    const m = parse(fe('  stick-table type string len 12 size 100k expire 30s nopurge store conn_cur,http_req_rate(10s) store gpc0'));
    const t = m.frontends[0]!.stickTable!;
    expect(t).toMatchObject({ name: 'f', type: 'string', keyLen: 12, size: 102400, expire: 30000, nopurge: true, counters: ['conn_cur', 'gpc0'] });
    expect([...t.rates]).toEqual([['http_req_rate', 10000]]);
  });

  it.each([
    ['  stick-table type ip size 1k store foo', /x.cfg:8: .*unknown store option 'foo'/],
    ['  stick-table type ip size 1k store http_req_rate', /missing argument to store option 'http_req_rate'/],
    ['  stick-table type ip store conn_cur', /missing size/],
    ['  stick-table size 1k', /missing type/],
    ['  http-request track-sc3 src', /track-sc number exceeding 2/],
    ['  http-request track-sc0 src', /unable to find table 'f' referenced by track-sc0/],
    ['  http-request track-sc0 src table nope', /unable to find table 'nope'/],
    ['  stick-table type ip size 1k store gpc0\n  http-request sc-inc-gpc0(3)', /invalid stick table track ID '3'/],
    ['  http-request deny if { src_conn_cur gt 0 }', /unable to find table 'f'/],
    ['  http-request deny if { table_cnt(other) gt 0 }', /unable to find table 'other'/],
    ['  stick-table type ip size 1k\n  stick-table type ip size 2k', /only one stick-table per section/],
  ])('refuses %s', (lines, err) => {
    expect(() => parse(fe(lines))).toThrow(err);
  });

  it('accepts sc_* without a table in the section (the tracked table is used) and warns about stick in a frontend', () => {
    const m = parse(`${fe('  http-request deny if { sc_http_req_rate(0) gt 0 }\n  stick on src')}`);
    expect(m.warnings.join('\n')).toMatch(/'stick' ignored because frontend 'f' has no backend capability/);
  });

  it('a table named in a header value that is nowhere declared refuses the configuration', async () => {
    const m = parse(fe('  http-request set-header x-n %[src_conn_cur(nope)]'));
    await expect(Router.compile(m)).rejects.toThrow(/x.cfg:8: unable to find table 'nope'/);
    const ok = parse(fe('  stick-table type ip size 1k store conn_cur\n  http-request set-header x-n %[src_conn_cur(f)]'));
    const r = await Router.compile(ok);
    r.retire();
  });

  it('regression: a refused file does not leave its section as the default table of the next file', () => {
    expect(() => parse(fe('  stick-table type ip size 1k\n  http-request deny if { src_conn_cur gt 0 }\n  bogus-keyword'))).toThrow();
    expect(() => parse(fe('  http-request deny if { src_conn_cur gt 0 }'))).toThrow(/unable to find table 'f'/);
  });
});
