import type { SampleSource } from '../acl/sample-source.js';
import { pathOf } from '../acl/sample-source.js';
import type { CompiledRule } from '../runtime/compiled-rule.js';
import { errorResponse, type LocalResponse } from './local-response.js';
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
      case 'allow': return null;
      case 'deny': return errorResponse(a.status);
      case 'return': {
        const headers: [string, string][] = [];
        if (a.contentType !== undefined) headers.push(['content-type', a.contentType]);
        for (const h of a.headers) headers.push([h[0], h[1]]);
        return { status: a.status, headers, body: a.body ?? '' };
      }
      case 'redirect': return redirectResponse(a, rule, req);
      case 'set-header': {
        const value = rule.format!.render(req);
        removeHeader(req.headers, a.name);
        req.headers.push([a.name, value]);
        break;
      }
      case 'add-header': req.headers.push([a.name, rule.format!.render(req)]); break;
      case 'del-header': removeHeader(req.headers, a.name); break;
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
      case 'set-uri': req.uri = rule.format!.render(req); break;
      case 'set-method': req.method = rule.format!.render(req); break;
    }
  }
  return null;
}

/** http-response rules: only header edits and allow; `src` is the request, headers are the response's. */
export function applyResponseRules(rules: readonly CompiledRule[], req: SampleSource, headers: [string, string][]): void {
  if (rules.length === 0) return;
  const view: SampleSource = { ...req, headers };
  for (const rule of rules) {
    if (rule.cond && !rule.cond.test(view)) continue;
    const a = rule.action;
    if (a.kind === 'allow') return;
    if (a.kind === 'set-header') { const v = rule.format!.render(view); removeHeader(headers, a.name); headers.push([a.name, v]); }
    else if (a.kind === 'add-header') headers.push([a.name, rule.format!.render(view)]);
    else if (a.kind === 'del-header') removeHeader(headers, a.name);
  }
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
  const headers: [string, string][] = a.code === 302 ? [['location', location], ['cache-control', 'no-cache']] : [['location', location]];
  if (a.cookie) headers.push(['set-cookie', a.cookie.set ? `${a.cookie.value}; path=/` : `${a.cookie.value.replace(/=.*$/, '')}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`]);
  return { status: a.code, headers, body: '' };
}
