import type { Router } from '../runtime/router.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import { ipMatcher } from '../acl/ip-matcher.js';
import { txnOf } from '../acl/sample-source.js';
import type { BackendRef } from '../sample/txn.js';
import { captureHeaders } from '../rules/actions/capture-slots.js';
import { plainAddress } from '../acl/sample-fetch.js';
import type { ForwardForModel } from '../config/model.js';
import { applyRequestRules } from './rule-engine.js';
import { httpContentVerdict } from '../tcp/connection-admission.js';
import { addUniqueIdHeader } from '../log/unique-id.js';
import { errorResponse, type LocalResponse } from './local-response.js';
import { hasHeader } from './proxied-request.js';
import type { ProxiedRequest } from './proxied-request.js';
import { statsRoute } from '../stats/stats-endpoint.js';
import { bindRequestToRouter } from '../stats/service-state.js';
import { stickMatch } from '../stick/stick-runtime.js';
import type { Server } from '../runtime/server.js';

export type RouteDecision =
  | { kind: 'respond'; response: LocalResponse; backend: Backend | undefined; termination: string; server: string; withBody?: (body: Buffer) => LocalResponse }
  | { kind: 'forward'; backend: Backend; /** The server a `stick match|on` rule found (routeAndStick). */ stuck: Server | undefined };

/**
 * The frontend-then-backend rule walk HAProxy does for each request:
 * frontend http-request rules, stats, use_backend / default_backend, the
 * backend's own rules (once only for a listen section), then forwardfor.
 */
export function routeRequest(router: Router, fe: Frontend, req: ProxiedRequest, upgradedTo?: Backend): RouteDecision {
  const txn = txnOf(req);
  bindRequestToRouter(router, req);
  txn.frontend = fe;
  // Kept once, for capture.req.*: a stick replay routes the same request again after rules rewrote it.
  txn.original ??= { method: req.method, uri: req.uri, version: req.version };
  // Until a backend is chosen the frontend stands in for it (be_name, nbsrv), as in HAProxy.
  txn.backend = frontendAsBackend(router, fe);
  txn.findBackend = router.findBackend;
  captureHeaders(fe.model, 'request', req.headers, txn);
  // `upgradedTo`: a TCP frontend's first request, whose content and switching rules already ran on the raw bytes.
  const feTcp = upgradedTo ? null : httpContentVerdict(fe.model, req);
  if (feTcp) return { kind: 'respond', response: feTcp, backend: undefined, termination: 'PR--', server: '<NOSRV>' };
  const feResponse = applyRequestRules(fe.requestRules, req);
  if (feResponse) return { kind: 'respond', response: feResponse, backend: undefined, termination: 'PR--', server: '<NOSRV>' };
  const feStats = statsRoute(router, fe.model, fe.acls, req);
  if (feStats) return { kind: 'respond', ...feStats, backend: undefined, termination: 'LR--', server: '<STATS>' };
  let backend: Backend | undefined = upgradedTo;
  if (!backend)
    for (const ub of fe.useBackends) {
      if (ub.cond && !ub.cond.test(req)) continue;
      // A dynamic name that matches no backend ends the search: default_backend applies.
      backend = ub.format ? router.backends.get(ub.format.render(req)) : ub.backend;
      break;
    }
  backend ??= fe.defaultBackend;
  if (backend) txn.backend = backend;
  if (!backend) return { kind: 'respond', response: errorResponse(503), backend: undefined, termination: 'SC--', server: '<NOSRV>' };
  if (!backend.isSameProxyAs(fe.model)) {
    const beTcp = httpContentVerdict(backend.model, req);
    if (beTcp) return { kind: 'respond', response: beTcp, backend, termination: 'PR--', server: '<NOSRV>' };
    const beResponse = applyRequestRules(backend.requestRules, req);
    if (beResponse) return { kind: 'respond', response: beResponse, backend, termination: 'PR--', server: '<NOSRV>' };
    const beStats = statsRoute(router, backend.model, undefined, req);
    if (beStats) return { kind: 'respond', ...beStats, backend, termination: 'LR--', server: '<STATS>' };
  }
  const ff = backend.forwardfor ?? fe.forwardfor;
  if (ff) addForwardedFor(ff, req);
  addUniqueIdHeader(fe.model, req);
  return { kind: 'forward', backend, stuck: undefined };
}

/** routeRequest, then the chosen backend's stick match rules (both must run inside one stick attempt). */
export function routeAndStick(router: Router, fe: Frontend, req: ProxiedRequest, upgradedTo?: Backend): RouteDecision {
  const d = routeRequest(router, fe, req, upgradedTo);
  if (d.kind === 'forward') d.stuck = stickMatch(d.backend, req);
  return d;
}

const exceptCache = new Map<string, (addr: string) => boolean>();

function addForwardedFor(ff: ForwardForModel, req: ProxiedRequest): void {
  const src = plainAddress(req.srcAddr);
  if (ff.except) {
    let m = exceptCache.get(ff.except);
    if (!m) {
      m = ipMatcher([ff.except]);
      exceptCache.set(ff.except, m);
    }
    if (m(src)) return;
  }
  if (ff.ifNone && hasHeader(req.headers, ff.header)) return;
  req.headers.push([ff.header, src]);
  req.modified = true;
}

const feRefs = new WeakMap<Frontend, BackendRef>();
function frontendAsBackend(router: Router, fe: Frontend): BackendRef {
  let ref = feRefs.get(fe);
  if (!ref) {
    ref = { name: fe.name, usableServers: () => router.backends.get(fe.name)?.usableServers() ?? 0 };
    feRefs.set(fe, ref);
  }
  return ref;
}
