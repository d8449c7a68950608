import type { Router } from '../runtime/router.js';
import type { Txn } from '../sample/txn.js';
import { txnOf, type SampleSource } from '../acl/sample-source.js';
import { Userlist } from '../auth/userlist.js';
import { HttpCache } from '../cache/http-cache.js';

/** Per-configuration runtime state of userlists (and other services), built on first use. */
export class ServiceState {
  readonly userlists = new Map<string, Userlist>();
  readonly caches = new Map<string, HttpCache>();

  constructor(readonly router: Router) {
    for (const u of router.config.userlists ?? []) this.userlists.set(u.name, new Userlist(u));
    for (const c of router.config.caches ?? []) this.caches.set(c.name, new HttpCache(c));
  }
}

const states = new WeakMap<Router, ServiceState>();

export function servicesOf(router: Router): ServiceState {
  let s = states.get(router);
  if (!s) {
    s = new ServiceState(router);
    states.set(router, s);
  }
  return s;
}

/** Remembers which configuration serves this request, for fetches and actions that need it. */
export function bindRequestToRouter(router: Router, req: SampleSource): void {
  const txn = txnOf(req);
  txn.router = router;
  txn.request = req;
}

export function routerOf(src: SampleSource): Router | undefined {
  return src.txn?.router;
}

/** The request of a transaction (response rules see the response headers in place of the request's). */
export function requestOfTxn(txn: Txn): SampleSource | undefined {
  return txn.request;
}

export function servicesOfRequest(src: SampleSource): ServiceState | undefined {
  const r = routerOf(src);
  return r ? servicesOf(r) : undefined;
}
