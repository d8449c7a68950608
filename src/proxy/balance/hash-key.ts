import type { BalanceModel } from '../config/server-model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { evalSampleOne } from '../sample/sample-expr.js';
import { hashKey, type HashFunctionName } from './hash-functions.js';

/**
 * The hash input of a request for the hashing algorithms, as HAProxy picks
 * it out; null when the request carries none (the balancer then falls back
 * to round robin, as HAProxy does).
 */
export function requestHash(b: BalanceModel, fn: HashFunctionName, ctx: { uri: string; src?: SampleSource; headers?: [string, string][] }): number | null {
  switch (b.algo) {
    case 'uri':
      return hashKey(fn, uriKey(ctx.uri, b.uri));
    case 'url_param': {
      const v = urlParamValue(ctx.uri, b.param!);
      return v === null ? null : hashKey(fn, v);
    }
    case 'hdr': {
      const headers = ctx.headers ?? ctx.src?.headers ?? [];
      const v = firstHeaderValue(headers, b.hdr!.name);
      if (v === null) return null;
      return hashKey(fn, b.hdr!.domainOnly ? domainPart(v) : v);
    }
    case 'hash': {
      if (!ctx.src || !b.compiled) return null;
      const v = evalSampleOne(b.compiled, ctx.src);
      if (v === undefined) return null;
      return hashKey(fn, typeof v === 'string' ? v : String(typeof v === 'boolean' ? Number(v) : v));
    }
    default:
      return null;
  }
}

/** The part of the URI `balance uri` hashes: up to the query (unless whole), `depth` directories, `len` bytes. */
export function uriKey(uri: string, o: BalanceModel['uri'] | undefined): string {
  let u = uri;
  if (o?.pathOnly) u = pathOnly(u);
  if (o?.len) u = u.slice(0, o.len);
  let slashes = 0;
  let end = 0;
  for (; end < u.length; end++) {
    const c = u.charCodeAt(end);
    if (c === 47 /* / */) {
      slashes++;
      if (o?.depth && slashes === o.depth + 1) break;
    } else if (c === 63 /* ? */ && !o?.whole) break;
  }
  return u.slice(0, end);
}

/** The path and query of an absolute-form URI (`path-only`); origin form is kept as is. */
function pathOnly(uri: string): string {
  if (uri.startsWith('/') || uri === '*') return uri;
  const scheme = uri.indexOf('://');
  if (scheme < 0) return uri;
  const slash = uri.indexOf('/', scheme + 3);
  return slash < 0 ? '' : uri.slice(slash);
}

/** The value of the first `name=` parameter in the query string, up to the next '&'. */
export function urlParamValue(uri: string, name: string): string | null {
  const q = uri.indexOf('?');
  if (q < 0) return null;
  let p = q + 1;
  while (uri.length - p > name.length) {
    if (uri.charCodeAt(p + name.length) === 61 /* = */ && uri.startsWith(name, p)) {
      const start = p + name.length + 1;
      const amp = uri.indexOf('&', start);
      return uri.slice(start, amp < 0 ? uri.length : amp);
    }
    const amp = uri.indexOf('&', p);
    if (amp < 0) return null;
    p = amp + 1;
  }
  return null;
}

/** First comma-separated value of the first occurrence of a header, trimmed; null when absent. */
export function firstHeaderValue(headers: readonly [string, string][], name: string): string | null {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== lower) continue;
    const comma = v.indexOf(',');
    return (comma < 0 ? v : v.slice(0, comma)).trim();
  }
  return null;
}

/**
 * `use_domain_only`: the label before the last dot ("example" in
 * www.example.com), or the whole value when it has no dot.
 */
export function domainPart(value: string): string {
  let i = value.length;
  let len = value.length;
  let end = value.length;
  let inDomain = false;
  while (len > 0) {
    if (inDomain) {
      if (value[i - 1] === '.') break;
    } else if (value[i] === '.') {
      end = i;
      inDomain = true;
    }
    i--;
    len--;
  }
  return value.slice(i, end);
}
