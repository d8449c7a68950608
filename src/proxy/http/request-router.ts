import type { Router } from '../runtime/router.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import { ipMatcher } from '../acl/ip-matcher.js';
import { plainAddress } from '../acl/sample-fetch.js';
import type { ForwardForModel } from '../config/model.js';
import { applyRequestRules } from './rule-engine.js';
import { errorResponse, type LocalResponse } from './local-response.js';
import { hasHeader } from './proxied-request.js';
import type { ProxiedRequest } from './proxied-request.js';
import { renderStats } from '../stats/stats-page.js';

export type RouteDecision =
  | { kind: 'respond'; response: LocalResponse; backend: Backend | undefined; termination: string; server: string }
  | { kind: 'forward'; backend: Backend };

/**
 * The frontend-then-backend rule walk HAProxy does for each request:
 * frontend http-request rules, stats, use_backend / default_backend, the
 * backend's own rules (once only for a listen section), then forwardfor.
 */
export function routeRequest(router: Router, fe: Frontend, req: ProxiedRequest): RouteDecision {
  const feResponse = applyRequestRules(fe.requestRules, req);
  if (feResponse) return { kind: 'respond', response: feResponse, backend: undefined, termination: 'PR--', server: '<NOSRV>' };
  if (fe.statsUri && req.uri.startsWith(fe.statsUri)) return { kind: 'respond', response: renderStats(router, req.uri), backend: undefined, termination: 'LR--', server: '<STATS>' };
  let backend: Backend | undefined;
  for (const ub of fe.useBackends) {
    if (!ub.cond || ub.cond.test(req)) { backend = ub.backend; break; }
  }
  backend ??= fe.defaultBackend;
  if (!backend) return { kind: 'respond', response: errorResponse(503), backend: undefined, termination: 'SC--', server: '<NOSRV>' };
  if (!backend.isSameProxyAs(fe.model)) {
    const beResponse = applyRequestRules(backend.requestRules, req);
    if (beResponse) return { kind: 'respond', response: beResponse, backend, termination: 'PR--', server: '<NOSRV>' };
    if (backend.statsUri && req.uri.startsWith(backend.statsUri)) return { kind: 'respond', response: renderStats(router, req.uri), backend, termination: 'LR--', server: '<STATS>' };
  }
  const ff = backend.forwardfor ?? fe.forwardfor;
  if (ff) addForwardedFor(ff, req);
  return { kind: 'forward', backend };
}

const exceptCache = new Map<string, (addr: string) => boolean>();

function addForwardedFor(ff: ForwardForModel, req: ProxiedRequest): void {
  const src = plainAddress(req.srcAddr);
  if (ff.except) {
    let m = exceptCache.get(ff.except);
    if (!m) { m = ipMatcher([ff.except]); exceptCache.set(ff.except, m); }
    if (m(src)) return;
  }
  if (ff.ifNone && hasHeader(req.headers, ff.header)) return;
  req.headers.push([ff.header, src]);
  req.modified = true;
}
