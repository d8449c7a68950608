import type { SampleSource } from '../acl/sample-source.js';
import { pathOf, txnOf } from '../acl/sample-source.js';
import type { CompiledRule } from '../runtime/compiled-rule.js';
import { errorResponse, type LocalResponse } from './local-response.js';
import { httpReplyResponse } from './error-reply.js';
import { getHeader, removeHeader } from './proxied-request.js';

/**
 * Runs http-request rules in order. Returns a response when a rule ends the
 * request (deny, return, redirect); `allow` stops the rule list and lets the
 * request through; header and path rules rewrite `req` in place.
 */
export function applyRequestRules(rules: readonly CompiledRule[], req: SampleSource & { modified?: boolean }): LocalResponse | null {
  for (const rule of rules) {
    if (rule.cond && !rule.cond.test(req)) continue;
    const a = rule.action;
    if (a.kind !== 'allow' && a.kind !== 'deny' && a.kind !== 'return' && a.kind !== 'redirect') req.modified = true;
    switch (a.kind) {
      case 'allow':
        return null;
      case 'deny':
        return a.reply ? httpReplyResponse(a.status, a.reply, a) : errorResponse(a.status);
      case 'return': {
        if (a.reply) return httpReplyResponse(a.status, a.reply, a);
        const headers: [string, string][] = [];
        if (a.contentType !== undefined) headers.push(['content-type', a.contentType]);
        for (const h of a.headers) headers.push([h[0], h[1]]);
        return { status: a.status, headers, body: a.body ?? '' };
      }
      case 'redirect':
        return redirectResponse(a, rule, req);
      case 'set-header': {
        const value = rule.format!.render(req);
        removeHeader(req.headers, a.name);
        req.headers.push([a.name, value]);
        break;
      }
      case 'add-header':
        req.headers.push([a.name, rule.format!.render(req)]);
        break;
      case 'del-header':
        removeHeader(req.headers, a.name);
        break;
      case 'set-path': {
        const path = pathOf(req.uri);
        const q = req.uri.indexOf('?');
        const prefixEnd = req.uri.indexOf(path);
        const value = rule.format!.render(req);
        req.uri = (prefixEnd > 0 ? req.uri.slice(0, prefixEnd) : '') + value + (q >= 0 ? req.uri.slice(q) : '');
        break;
      }
      case 'set-query': {
        const q = req.uri.indexOf('?');
        const base = q < 0 ? req.uri : req.uri.slice(0, q);
        const value = rule.format!.render(req);
        req.uri = `${base}?${value}`;
        break;
      }
      case 'set-uri':
        req.uri = rule.format!.render(req);
        break;
      case 'set-method':
        req.method = rule.format!.render(req);
        break;
      case 'registered': {
        const r = a.run({ src: req, txn: txnOf(req), side: 'http-request' });
        if (r === undefined) break;
        if ('stop' in r) return null;
        return r.delayMs ? { ...r.respond, delayMs: r.delayMs } : r.respond;
      }
    }
  }
  return null;
}

/** The response status line as http-response rules see and change it. */
export interface ResponseState {
  status: number;
  reason: string;
  version: string;
  /** Set when a rule answers instead of the server (http-response deny/return). */
  local?: LocalResponse;
}

/**
 * http-response rules over the response headers (edited in place). `req` is
 * the request; fetches see the response through `response`, and hdr() reads
 * the response headers. `allow` ends this section's list only; returns
 * false when a rule answered instead of the server (later sections are skipped).
 */
export function applyResponseRules(rules: readonly CompiledRule[], req: SampleSource, headers: [string, string][], state?: ResponseState): boolean {
  if (rules.length === 0) return true;
  const txn = txnOf(req);
  const st: ResponseState = state ?? { status: 200, reason: '', version: '1.1' };
  const view: SampleSource = { ...req, headers, txn, response: { status: st.status, version: st.version, headers } };
  for (const rule of rules) {
    if (rule.cond && !rule.cond.test(view)) continue;
    const a = rule.action;
    if (a.kind === 'allow') return true;
    if (a.kind === 'set-header') {
      const v = rule.format!.render(view);
      removeHeader(headers, a.name);
      headers.push([a.name, v]);
    } else if (a.kind === 'add-header') headers.push([a.name, rule.format!.render(view)]);
    else if (a.kind === 'del-header') removeHeader(headers, a.name);
    else if (a.kind === 'registered') {
      const r = a.run({ src: view, txn, side: 'http-response', resHeaders: headers, resStatus: st });
      view.response!.status = st.status;
      if (r === undefined) continue;
      if ('stop' in r) return true;
      st.local = r.respond;
      return false;
    }
  }
  return true;
}

function redirectResponse(a: Extract<CompiledRule['action'], { kind: 'redirect' }>, rule: CompiledRule, req: SampleSource): LocalResponse {
  const value = rule.format!.render(req);
  const q = req.uri.indexOf('?');
  let pathAndQuery = req.uri;
  if (!pathAndQuery.startsWith('/')) {
    // Absolute-form request: keep only path and query.
    const p = pathOf(req.uri);
    pathAndQuery = p + (q >= 0 ? req.uri.slice(q) : '');
  }
  const path = pathOf(pathAndQuery);
  const query = q >= 0 ? req.uri.slice(q) : '';
  const withSlash = (p: string) => (a.appendSlash && !p.endsWith('/') ? `${p}/` : p);
  let location: string;
  if (a.type === 'location') location = value;
  else if (a.type === 'prefix') {
    const tail = a.dropQuery ? withSlash(path) : withSlash(path) + query;
    location = value === '/' ? tail : value + tail;
  } else {
    const host = getHeader(req.headers, 'host') ?? '';
    location = `${value}://${host}${a.dropQuery ? withSlash(path) : withSlash(path) + query}`;
  }
  // HAProxy marks only 302 redirects as not cacheable.
  const headers: [string, string][] =
    a.code === 302
      ? [
          ['location', location],
          ['cache-control', 'no-cache'],
        ]
      : [['location', location]];
  if (a.cookie)
    headers.push([
      'set-cookie',
      a.cookie.set ? `${a.cookie.value}; path=/` : `${a.cookie.value.replace(/=.*$/, '')}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`,
    ]);
  return { status: a.code, headers, body: '' };
}
