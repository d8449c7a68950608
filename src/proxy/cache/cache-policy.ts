/**
 * Which requests a cache may answer and which responses it may keep, as
 * HAProxy 2.6 decides: GET (HEAD answered from GET entries), HTTP/1.1 or
 * later, no Authorization; the client's `Cache-Control: no-cache` or
 * `Pragma: no-cache` skip the lookup. Only 200 responses with a lifetime
 * (s-maxage, max-age, a future Expires) or a validator (ETag,
 * Last-Modified), without no-store/no-cache/private and without Vary
 * (unless process-vary handles it).
 */

type Headers = readonly (readonly [string, string])[];

function values(headers: Headers, name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === name) out.push(v);
  return out;
}

function directives(headers: Headers, name: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of values(headers, name)) {
    for (const part of line.split(',')) {
      const p = part.trim();
      if (!p) continue;
      const eq = p.indexOf('=');
      m.set(
        (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase(),
        eq < 0
          ? ''
          : p
              .slice(eq + 1)
              .trim()
              .replace(/^"|"$/g, ''),
      );
    }
  }
  return m;
}

export interface RequestFacts {
  method: string;
  version: string;
  headers: Headers;
}

/** May this request be stored at all (whether or not it is answered from the cache)? */
export function requestAllowsStore(r: RequestFacts): boolean {
  return r.method === 'GET' && r.version !== '1.0' && values(r.headers, 'authorization').length === 0;
}

/** May this request be answered from the cache? */
export function requestAllowsLookup(r: RequestFacts): boolean {
  if (r.method !== 'GET' && r.method !== 'HEAD') return false;
  if (r.version === '1.0' || values(r.headers, 'authorization').length > 0) return false;
  if (directives(r.headers, 'cache-control').has('no-cache')) return false;
  if (values(r.headers, 'pragma').some((v) => /(^|,)\s*no-cache\s*($|,)/i.test(v))) return false;
  return true;
}

/** Request headers a Vary may name when process-vary is on. */
export const VARY_HANDLED = new Set(['accept-encoding', 'referer']);

export type StoreDecision = { store: false; reason: string } | { store: true; ttlSeconds: number; age: number; vary: string[] };

/** Whether a response may be kept, and for how long (capped by the cache's max-age). */
export function responseStoreDecision(status: number, headers: Headers, cacheMaxAge: number, processVary: boolean, now = Date.now()): StoreDecision {
  if (status !== 200) return { store: false, reason: 'status is not 200' };
  const cc = directives(headers, 'cache-control');
  if (cc.has('no-store') || cc.has('no-cache') || cc.has('private')) return { store: false, reason: 'Cache-Control forbids it' };
  const varyNames = values(headers, 'vary')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  if (varyNames.length > 0 && (!processVary || varyNames.some((v) => !VARY_HANDLED.has(v)))) return { store: false, reason: 'Vary' };
  let ttl: number | undefined;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  ttl = num(cc.get('s-maxage')) ?? num(cc.get('max-age'));
  if (ttl === undefined) {
    const exp = values(headers, 'expires')[0];
    if (exp !== undefined) {
      const t = Date.parse(exp);
      ttl = Number.isNaN(t) ? 0 : Math.floor((t - now) / 1000);
    }
  }
  if (ttl === undefined && (values(headers, 'etag').length > 0 || values(headers, 'last-modified').length > 0)) ttl = cacheMaxAge;
  if (ttl === undefined) return { store: false, reason: 'no lifetime and no validator' };
  if (ttl <= 0) return { store: false, reason: 'already expired' };
  const age = num(values(headers, 'age')[0]) ?? 0;
  return { store: true, ttlSeconds: Math.min(ttl, cacheMaxAge), age, vary: varyNames };
}

function contentEncoding(headers: Headers): string {
  return (values(headers, 'content-encoding')[0] ?? 'identity').trim().toLowerCase() || 'identity';
}

/** Whether an Accept-Encoding header admits a response in `encoding` (identity unless refused). */
export function acceptsEncoding(acceptHeader: string | undefined, encoding: string): boolean {
  if (acceptHeader === undefined) return true;
  const prefs = new Map<string, number>();
  for (const part of acceptHeader.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)/.exec(p)?.[1]).find((x) => x !== undefined);
    prefs.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const own = prefs.get(encoding);
  if (own !== undefined) return own > 0;
  const star = prefs.get('*');
  if (star !== undefined) return star > 0;
  return encoding === 'identity';
}

/**
 * The part of the key that Vary adds when storing: the request's Referer,
 * and for Accept-Encoding the encoding the response is in.
 */
export function secondaryKey(vary: readonly string[], requestHeaders: Headers, responseHeaders: Headers = []): string {
  return vary.map((n) => (n === 'accept-encoding' ? `${n}=${contentEncoding(responseHeaders)}` : `${n}=${values(requestHeaders, n).join(',')}`)).join('\n');
}

/** Whether a stored variant (its secondary key) suits this request. */
export function variantMatches(storedKey: string, vary: readonly string[], requestHeaders: Headers): boolean {
  if (vary.length === 0) return storedKey === '';
  const parts = new Map(
    storedKey.split('\n').map((l) => {
      const eq = l.indexOf('=');
      return [l.slice(0, eq), l.slice(eq + 1)] as [string, string];
    }),
  );
  return vary.every((n) => {
    const stored = parts.get(n) ?? '';
    if (n === 'accept-encoding') {
      const ae = values(requestHeaders, 'accept-encoding');
      return acceptsEncoding(ae.length ? ae.join(',') : undefined, stored);
    }
    return stored === values(requestHeaders, n).join(',');
  });
}
