import type { Loc } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import type { Txn } from '../sample/txn.js';
import { referenceError, syntaxError } from '../config/config-errors.js';
import { registerAction } from '../rules/action-registry.js';
import { requestOfTxn, servicesOfRequest } from '../stats/service-state.js';
import { dechunk } from '../http/local-body.js';
import type { LocalResponse } from '../http/local-response.js';
import type { CacheModel } from './cache-config.js';
import type { CachedObject, HttpCache } from './http-cache.js';
import { requestAllowsLookup, requestAllowsStore, responseStoreDecision, secondaryKey, variantMatches } from './cache-policy.js';

/**
 * `http-request cache-use NAME` answers from the cache; `http-response
 * cache-store NAME` keeps the response. The body is collected as it is
 * forwarded (cacheResponseBody/cacheResponseEnd, called by the connection
 * code) and stored once complete.
 */

const pendingRefs: { name: string; at: Loc }[] = [];

export function resetCacheRefs(): void {
  pendingRefs.length = 0;
}

/** Records a cache name the file uses, checked once every section is read. */
export function noteCacheRef(name: string, at: Loc): void {
  pendingRefs.push({ name, at });
}

export function checkCacheRefs(caches: readonly CacheModel[]): void {
  for (const r of pendingRefs.splice(0)) {
    if (!caches.some((c) => c.name === r.name))
      throw referenceError(r.at, `cache '${r.name}' is not declared; add a 'cache ${r.name}' section or fix the name`);
  }
}

interface Pending {
  cache: HttpCache;
  primary: string;
  secondary: string;
  status: number;
  headers: [string, string][];
  ttl: number;
  age: number;
  vary: string[];
  parts: Buffer[];
  size: number;
  tooBig: boolean;
}

const pending = new WeakMap<Txn, Pending>();

function primaryKey(req: SampleSource): string {
  const host = req.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? '';
  return `${host}\n${req.uri}`;
}

function cacheOf(src: SampleSource, name: string): HttpCache | undefined {
  return servicesOfRequest(src)?.caches.get(name);
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'age', 'proxy-connection']);

function fromCache(obj: CachedObject, now: number): LocalResponse {
  const headers = obj.headers.filter(([n]) => !HOP.has(n.toLowerCase())).map(([n, v]) => [n, v] as [string, string]);
  // Whole seconds on the clock, as HAProxy counts them.
  headers.push(['age', String(obj.initialAge + Math.max(0, Math.floor(now / 1000) - Math.floor(obj.storedAt / 1000)))]);
  return { status: obj.status, headers, body: '', bodyBytes: obj.body };
}

registerAction({
  name: 'cache-use',
  sides: ['http-request'],
  parse: (args, ctx) => {
    if (args.length !== 1) throw syntaxError(ctx.at, `'http-request cache-use' needs a cache name`);
    const name = args[0]!;
    pendingRefs.push({ name, at: ctx.at });
    return ({ src }) => {
      const cache = cacheOf(src, name);
      if (!cache || !requestAllowsLookup(src)) return undefined;
      const now = Date.now();
      const obj = cache.get(primaryKey(src), (sk, vary) => variantMatches(sk, vary, src.headers), now);
      return obj ? { respond: fromCache(obj, now), termination: 'LR--' } : undefined;
    };
  },
});

registerAction({
  name: 'cache-store',
  sides: ['http-response'],
  parse: (args, ctx) => {
    if (args.length !== 1) throw syntaxError(ctx.at, `'http-response cache-store' needs a cache name`);
    const name = args[0]!;
    pendingRefs.push({ name, at: ctx.at });
    return ({ src, txn, resHeaders, resStatus }) => {
      const req = requestOfTxn(txn);
      const cache = cacheOf(src, name);
      if (!req || !cache || !resHeaders || pending.has(txn) || !requestAllowsStore(req)) return undefined;
      const d = responseStoreDecision(resStatus?.status ?? src.response?.status ?? 0, resHeaders, cache.model.maxAge, cache.model.processVary);
      if (!d.store) return undefined;
      // A response in an encoding its own request did not accept is not kept for others.
      if (d.vary.includes('accept-encoding') && !variantMatches(secondaryKey(['accept-encoding'], req.headers, resHeaders), ['accept-encoding'], req.headers))
        return undefined;
      const declared = resHeaders.find(([n]) => n.toLowerCase() === 'content-length');
      if (declared && Number(declared[1]) > cache.model.maxObjectSize) return undefined;
      // The cache keeps the server's Age and answers with its own.
      for (let i = resHeaders.length - 1; i >= 0; i--) if (resHeaders[i]![0].toLowerCase() === 'age') resHeaders.splice(i, 1);
      pending.set(txn, {
        cache,
        primary: primaryKey(req),
        secondary: secondaryKey(d.vary, req.headers, resHeaders),
        status: resStatus?.status ?? 200,
        headers: resHeaders,
        ttl: d.ttlSeconds,
        age: d.age,
        vary: d.vary,
        parts: [],
        size: 0,
        tooBig: false,
      });
      return undefined;
    };
  },
});

/** Bytes as forwarded to the client: the serialized head, then the body. */
export function cacheResponseBody(src: SampleSource | null, chunk: Buffer): void {
  if (!src?.txn) return;
  const p = pending.get(src.txn);
  if (!p || p.tooBig) return;
  p.size += chunk.length;
  if (p.size > p.cache.model.maxObjectSize * 2 + 1024) {
    p.tooBig = true;
    p.parts = [];
    return;
  }
  p.parts.push(chunk);
}

/** The response is complete: store it when everything fitted. `headFirst`: the bytes began with the serialized head (HTTP/1 clients). */
export function cacheResponseEnd(src: SampleSource | null, headFirst = true): void {
  if (!src?.txn) return;
  const p = pending.get(src.txn);
  if (!p) return;
  pending.delete(src.txn);
  if (p.tooBig) return;
  const chunked = p.headers.some(([n, v]) => n.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v));
  // The connection hands the response head over in the same stream, first: skip it.
  const all = Buffer.concat(p.parts);
  const headEnd = headFirst ? all.indexOf('\r\n\r\n') : -1;
  const raw = headEnd < 0 ? all : all.subarray(headEnd + 4);
  const body = chunked ? dechunk(raw) : raw;
  const headers = p.headers.map(([n, v]) => [n, v] as [string, string]);
  const headSize = headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  const now = Date.now();
  p.cache.put(p.primary, p.secondary, {
    status: p.status,
    reason: '',
    headers,
    body,
    storedAt: now,
    expiresAt: now + p.ttl * 1000,
    initialAge: p.age,
    vary: p.vary,
    size: body.length + headSize,
  });
}
