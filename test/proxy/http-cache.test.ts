import { describe, it, expect } from 'vitest';
import {
  acceptsEncoding,
  requestAllowsLookup,
  requestAllowsStore,
  responseStoreDecision,
  secondaryKey,
  variantMatches,
} from '../../src/proxy/cache/cache-policy.js';
import { HttpCache } from '../../src/proxy/cache/http-cache.js';
import { freshCache, finishCache, parseCacheLine } from '../../src/proxy/cache/cache-config.js';

const at = { file: 't.cfg', line: 1 };
const req = (method: string, headers: [string, string][] = [], version = '1.1') => ({ method, version, headers });

describe('cache policy', () => {
  it('looks up GET and HEAD only, not HTTP/1.0, not with Authorization, not when the client says no-cache', () => {
    expect(requestAllowsLookup(req('GET'))).toBe(true);
    expect(requestAllowsLookup(req('HEAD'))).toBe(true);
    expect(requestAllowsLookup(req('POST'))).toBe(false);
    expect(requestAllowsLookup(req('GET', [], '1.0'))).toBe(false);
    expect(requestAllowsLookup(req('GET', [['Authorization', 'Basic eDp5']]))).toBe(false);
    expect(requestAllowsLookup(req('GET', [['Cache-Control', 'max-age=0, no-cache']]))).toBe(false);
    expect(requestAllowsLookup(req('GET', [['Pragma', 'no-cache']]))).toBe(false);
  });

  it('stores GET responses only', () => {
    expect(requestAllowsStore(req('GET'))).toBe(true);
    expect(requestAllowsStore(req('HEAD'))).toBe(false);
    expect(requestAllowsStore(req('GET', [['authorization', 'x']]))).toBe(false);
  });

  it('keeps 200 responses with a lifetime or a validator, capped by the cache max-age', () => {
    expect(responseStoreDecision(200, [['Cache-Control', 'max-age=30']], 60, false)).toEqual({ store: true, ttlSeconds: 30, age: 0, vary: [] });
    expect(responseStoreDecision(200, [['Cache-Control', 'max-age=300, s-maxage=100']], 60, false)).toMatchObject({ store: true, ttlSeconds: 60 });
    expect(responseStoreDecision(200, [['ETag', '"x"']], 60, false)).toMatchObject({ store: true, ttlSeconds: 60 });
    expect(responseStoreDecision(200, [['Last-Modified', 'Mon, 01 Jan 2024 00:00:00 GMT']], 60, false)).toMatchObject({ store: true });
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(responseStoreDecision(200, [['Expires', 'Tue, 01 Jan 2030 00:00:20 GMT']], 60, false, now)).toMatchObject({ store: true, ttlSeconds: 20 });
    expect(
      responseStoreDecision(
        200,
        [
          ['Cache-Control', 'max-age=30'],
          ['Age', '7'],
        ],
        60,
        false,
      ),
    ).toMatchObject({ age: 7 });
  });

  it('refuses other statuses, no lifetime, expired, no-store/no-cache/private, unhandled Vary', () => {
    expect(responseStoreDecision(404, [['Cache-Control', 'max-age=30']], 60, false).store).toBe(false);
    expect(responseStoreDecision(200, [], 60, false).store).toBe(false);
    expect(responseStoreDecision(200, [['Cache-Control', 'max-age=0']], 60, false).store).toBe(false);
    expect(responseStoreDecision(200, [['Expires', 'Mon, 01 Jan 2001 00:00:00 GMT']], 60, false).store).toBe(false);
    for (const d of ['no-store', 'no-cache', 'private'])
      expect(responseStoreDecision(200, [['Cache-Control', `${d}, max-age=30`]], 60, false).store).toBe(false);
    expect(
      responseStoreDecision(
        200,
        [
          ['Cache-Control', 'max-age=30'],
          ['Vary', 'Accept-Encoding'],
        ],
        60,
        false,
      ).store,
    ).toBe(false);
    expect(
      responseStoreDecision(
        200,
        [
          ['Cache-Control', 'max-age=30'],
          ['Vary', 'Accept-Encoding'],
        ],
        60,
        true,
      ),
    ).toMatchObject({ store: true, vary: ['accept-encoding'] });
    expect(
      responseStoreDecision(
        200,
        [
          ['Cache-Control', 'max-age=30'],
          ['Vary', 'User-Agent'],
        ],
        60,
        true,
      ).store,
    ).toBe(false);
  });

  it('keys Vary: Accept-Encoding variants by the response encoding and serves any request that accepts it', () => {
    expect(secondaryKey(['accept-encoding'], [['Accept-Encoding', 'gzip']])).toBe('accept-encoding=identity');
    expect(secondaryKey(['accept-encoding'], [['Accept-Encoding', 'gzip']], [['Content-Encoding', 'gzip']])).toBe('accept-encoding=gzip');
    expect(secondaryKey([], [['Accept-Encoding', 'gzip']])).toBe('');
    expect(variantMatches('accept-encoding=identity', ['accept-encoding'], [['Accept-Encoding', 'br']])).toBe(true);
    expect(variantMatches('accept-encoding=gzip', ['accept-encoding'], [['Accept-Encoding', 'br']])).toBe(false);
    expect(variantMatches('referer=/a', ['referer'], [['Referer', '/b']])).toBe(false);
    expect(acceptsEncoding('gzip;q=0, br', 'gzip')).toBe(false);
    expect(acceptsEncoding('*;q=0', 'identity')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(true);
  });
});

describe('HttpCache', () => {
  const model = () => {
    const m = freshCache('c', at);
    parseCacheLine(m, ['total-max-size', '1'], at);
    parseCacheLine(m, ['max-object-size', '400000'], at);
    finishCache(m);
    return m;
  };
  const obj = (size: number, ttl = 10_000, vary: string[] = []) => ({
    status: 200,
    reason: '',
    headers: [] as [string, string][],
    body: Buffer.alloc(size),
    storedAt: 0,
    expiresAt: ttl,
    initialAge: 0,
    vary,
    size,
  });

  it('returns fresh objects and forgets expired ones', () => {
    const c = new HttpCache(model());
    c.put('k', '', obj(10, 1000));
    expect(c.get('k', () => true, 500)?.size).toBe(10);
    expect(c.get('k', () => true, 1500)).toBeUndefined();
    expect(c.usedBytes).toBe(0);
  });

  it('evicts the least recently used objects past total-max-size', () => {
    const c = new HttpCache(model());
    c.put('a', '', obj(400_000));
    c.put('b', '', obj(400_000));
    c.get('a', () => true, 0);
    c.put('c', '', obj(400_000));
    expect(c.get('b', () => true, 0)).toBeUndefined();
    expect(c.get('a', () => true, 0)).toBeDefined();
    expect(c.get('c', () => true, 0)).toBeDefined();
  });

  it('refuses objects over max-object-size', () => {
    const c = new HttpCache(model());
    expect(c.put('a', '', obj(400_001))).toBe(false);
  });

  it('keeps one object per secondary key', () => {
    const c = new HttpCache(model());
    c.put('a', 'accept-encoding=gzip', obj(10, 10_000, ['accept-encoding']));
    c.put('a', 'accept-encoding=br', obj(20, 10_000, ['accept-encoding']));
    expect(c.get('a', (sk) => sk === 'accept-encoding=br', 0)?.size).toBe(20);
    expect(c.get('a', (sk) => sk === 'accept-encoding=gzip', 0)?.size).toBe(10);
    expect(c.get('a', (sk) => sk === 'accept-encoding=zstd', 0)).toBeUndefined();
  });

  it('cache sections: total-max-size is required; max-object-size defaults to a 256th', () => {
    const m = freshCache('c', at);
    expect(() => finishCache(m)).toThrow(/total-max-size/);
    parseCacheLine(m, ['total-max-size', '4'], at);
    finishCache(m);
    expect(m.maxObjectSize).toBe(16384);
    expect(() => parseCacheLine(m, ['process-vary', 'yes'], at)).toThrow(/on' or 'off/);
  });
});

describe('cache sections in a file', () => {
  it("accepts 'filter cache NAME' for a declared cache and refuses an undeclared one with its line", async () => {
    const { ConfigParser } = await import('../../src/proxy/config/config-parser.js');
    const text = (name: string) =>
      `cache c\n  total-max-size 1\nfrontend f\n  bind 127.0.0.1:1\n  filter cache ${name}\n  http-request cache-use c\n  http-response cache-store c\n`;
    expect(ConfigParser.parseText(text('c'), 'h.cfg').caches?.[0]).toMatchObject({ name: 'c', totalMaxSize: 1024 * 1024, maxObjectSize: 4096, maxAge: 60 });
    expect(() => ConfigParser.parseText(text('nope'), 'h.cfg')).toThrow(/h\.cfg:5: cache 'nope' is not declared/);
  });
});
