import type { Server } from '../runtime/server.js';
import type { HealthChecker } from './health-checker.js';

/** The checker of each server with `check`, for `observe`. */
const checkers = new WeakMap<Server, HealthChecker>();

export function registerChecker(server: Server, checker: HealthChecker): void {
  checkers.set(server, checker);
}

/**
 * `observe layer7`: a response status counts as an error unless it is below
 * 500, or 501 or 505, as HAProxy judges it.
 */
export function observeResponse(server: Server, status: number): void {
  if (server.model.options.observe !== 'layer7') return;
  const ok = status >= 100 && (status < 500 || status === 501 || status === 505);
  checkers.get(server)?.observe(ok, ok ? '' : `HTTP status ${status}`);
}

/** A failed connection counts for `observe layer4` and `layer7`; a bad or missing answer for layer7 only. */
export function observeFailure(server: Server, kind: 'connect' | 'response'): void {
  const o = server.model.options.observe;
  if (!o || (kind === 'response' && o !== 'layer7')) return;
  checkers.get(server)?.observe(false, kind === 'connect' ? 'connection error' : 'invalid or missing response');
}
