import { isIPv4, isIPv6 } from 'node:net';
import type { CookieModel } from '../config/model.js';
import { xxh64 } from '../balance/xxh64.js';
import { findCookie, stripCookie } from './response-head-writer.js';

/** Separates the server part from the application's value in `prefix` mode. */
const PREFIX_DELIM = '~';
/** Separates the server part from its dates with `maxidle` / `maxlife`. */
const DATE_DELIM = '|';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * A server's cookie value under `cookie … dynamic`: xxHash64 of the
 * `dynamic-cookie-key`, the server's address bytes and its port (4 bytes,
 * network order), in 16 hex digits, as HAProxy computes it.
 */
export function dynamicCookie(key: string, address: string, port: number): string | undefined {
  let addr: Buffer;
  if (isIPv4(address)) addr = Buffer.from(address.split('.').map(Number));
  else if (isIPv6(address)) {
    const [head, tail] = address.split('::') as [string, string?];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    addr = Buffer.alloc(16);
    groups.forEach((g, i) => addr.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  } else return undefined;
  const portBytes = Buffer.alloc(4);
  portBytes.writeUInt32BE(port);
  return xxh64(Buffer.concat([Buffer.from(key, 'latin1'), addr, portBytes]))
    .toString(16)
    .padStart(16, '0');
}

function s30tob64(n: number): string {
  let out = '';
  for (let i = 0; i < 5; i++) {
    out = B64[n & 0x3f]! + out;
    n >>>= 6;
  }
  return out;
}

function b64tos30(s: string): number | null {
  if (!/^[A-Za-z0-9+/]{5}$/.test(s)) return null;
  let n = 0;
  for (const ch of s) n = (n << 6) | B64.indexOf(ch);
  return n >>> 0;
}

export interface RequestCookie {
  /** The server part of the cookie (what selects a server), or undefined. */
  server: string | undefined;
  /** Seconds of the cookie's first date (`maxlife`), kept when it is set again. */
  firstDate?: number;
  /** The Cookie header was changed (prefix removed, or the cookie taken out). */
  modified: boolean;
}

/**
 * Reads the persistence cookie of a request and changes the Cookie header
 * as HAProxy does before the server sees it: `prefix` mode removes the
 * `SERVER~` part, `insert indirect` removes the cookie; with `maxidle` /
 * `maxlife` a cookie past its dates is ignored.
 */
export function readRequestCookie(c: CookieModel, headers: [string, string][], nowSec = Math.floor(Date.now() / 1000)): RequestCookie {
  const raw = findCookie(headers, c.name);
  if (raw === undefined) return { server: undefined, modified: false };
  if (c.mode === 'prefix') {
    const d = raw.indexOf(PREFIX_DELIM);
    if (d < 0) return { server: undefined, modified: false };
    removePrefix(headers, c.name, d + 1);
    return { server: raw.slice(0, d), modified: true };
  }
  let server: string | undefined = raw;
  let firstDate: number | undefined;
  const bar = raw.indexOf(DATE_DELIM);
  if (bar >= 0) {
    server = raw.slice(0, bar);
    const [last, first] = raw
      .slice(bar + 1)
      .split(DATE_DELIM)
      .map((x) => b64tos30(x));
    if (last != null && c.maxidle && (last << 2) + c.maxidle < nowSec) server = undefined;
    if (first != null) {
      firstDate = first << 2;
      if (c.maxlife && firstDate + c.maxlife < nowSec) server = undefined;
    }
  }
  let modified = false;
  if (c.mode === 'insert' && c.indirect) {
    stripCookie(headers, c.name);
    modified = true;
  }
  return firstDate !== undefined ? { server, firstDate, modified } : { server, modified };
}

/** Drops the first `n` characters of the named cookie's value, leaving the header otherwise as sent. */
function removePrefix(headers: [string, string][], name: string, n: number): void {
  for (let i = 0; i < headers.length; i++) {
    const [h, v] = headers[i]!;
    if (h.toLowerCase() !== 'cookie') continue;
    const re = new RegExp(`(^|;)(\\s*)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=`);
    const m = re.exec(v);
    if (!m) continue;
    const at = m.index + m[0].length;
    headers[i] = [h, v.slice(0, at) + v.slice(at + n)];
    return;
  }
}

function isOwnSetCookie(name: string, v: string): boolean {
  return v.startsWith(`${name}=`) || v.trimStart().startsWith(`${name}=`);
}

/** Whether the response head must be rebuilt for the persistence cookie. */
export function responseNeedsCookieWork(c: CookieModel, serverCookie: string | undefined, insert: boolean, headers: readonly [string, string][]): boolean {
  if (insert) return true;
  if (serverCookie === undefined) return false;
  if (c.mode !== 'prefix' && c.mode !== 'rewrite') return false;
  return headers.some(([n, v]) => n.length === 10 && n.toLowerCase() === 'set-cookie' && isOwnSetCookie(c.name, v));
}

/**
 * Applies the persistence cookie to a response's headers: `insert` adds
 * the server's cookie (and drops one the server set itself unless
 * `preserve`); `prefix` puts `SERVER~` before the value the server set;
 * `rewrite` replaces that value by the server's cookie.
 */
export function applyResponseCookie(
  c: CookieModel,
  serverCookie: string | undefined,
  insert: boolean,
  headers: [string, string][],
  firstDate?: number,
  exchange?: { method: string; status: number },
): void {
  if (serverCookie === undefined) return;
  if (c.mode === 'prefix' || c.mode === 'rewrite') {
    for (let i = 0; i < headers.length; i++) {
      const [n, v] = headers[i]!;
      if (n.toLowerCase() !== 'set-cookie' || !isOwnSetCookie(c.name, v)) continue;
      const start = v.indexOf('=') + 1;
      if (c.mode === 'prefix') headers[i] = [n, `${v.slice(0, start)}${serverCookie}${PREFIX_DELIM}${v.slice(start)}`];
      else {
        const semi = v.indexOf(';', start);
        headers[i] = [n, `${v.slice(0, start)}${serverCookie}${semi < 0 ? '' : v.slice(semi)}`];
      }
    }
    return;
  }
  if (!insert) return;
  const own = headers.some(([n, v]) => n.toLowerCase() === 'set-cookie' && isOwnSetCookie(c.name, v));
  if (own && c.preserve) return;
  if (own)
    for (let i = headers.length - 1; i >= 0; i--)
      if (headers[i]![0].toLowerCase() === 'set-cookie' && isOwnSetCookie(c.name, headers[i]![1])) headers.splice(i, 1);
  let value = `${c.name}=${serverCookie}`;
  if (c.maxidle || c.maxlife) {
    const now = Math.floor(Date.now() / 1000);
    value += DATE_DELIM + s30tob64((now + 3) >>> 2);
    if (c.maxlife) value += DATE_DELIM + s30tob64(firstDate !== undefined ? firstDate >>> 2 : (now + 3) >>> 2);
  }
  value += '; path=/';
  for (const d of c.domains ?? []) value += `; domain=${d}`;
  if (c.httponly) value += '; HttpOnly';
  if (c.secure) value += '; Secure';
  for (const a of c.attrs ?? []) value += `; ${a}`;
  headers.push(['set-cookie', value]);
  // `nocache`: a response a cache could keep must not be shared now that it carries a server cookie.
  if (c.nocache && exchange && cacheable(exchange.method, exchange.status, headers)) headers.push(['cache-control', 'private']);
}

/** Statuses HAProxy considers cacheable. */
const CACHEABLE_STATUS = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);

/**
 * Whether HAProxy would take a response as cacheable: a GET or HEAD, a
 * cacheable status, freshness or validator information (max-age, s-maxage,
 * Expires, ETag, Last-Modified) and no private, no-cache or no-store.
 */
export function cacheable(method: string, status: number, headers: readonly [string, string][]): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (!CACHEABLE_STATUS.has(status)) return false;
  let fresh = false;
  for (const [n, v] of headers) {
    const k = n.toLowerCase();
    if (k === 'cache-control') {
      for (const d of v.split(',').map((x) => x.trim().toLowerCase())) {
        if (
          d === 'private' ||
          d === 'no-cache' ||
          d === 'no-store' ||
          d.startsWith('private=') ||
          d.startsWith('no-cache=') ||
          d === 's-maxage=0' ||
          d === 'max-age=0'
        )
          return false;
        if (d.startsWith('max-age=') || d.startsWith('s-maxage=')) fresh = true;
      }
    } else if (k === 'pragma' && /no-cache/i.test(v)) return false;
    else if (k === 'expires' || k === 'etag' || k === 'last-modified') fresh = true;
  }
  return fresh;
}
