import type { ResponseHead } from './http-head.js';
import type { Backend } from '../runtime/backend.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Server } from '../runtime/server.js';
import type { SampleSource } from '../acl/sample-source.js';
import { applyResponseRules, type ResponseState } from './rule-engine.js';
import { afterResponseRules, runAfterResponse } from '../rules/after-response.js';
import { txnOf } from '../acl/sample-source.js';
import { captureHeaders } from '../rules/actions/capture-slots.js';
import { REASONS } from './local-response.js';
import { applyResponseCookie, responseNeedsCookieWork } from './persistence-cookie.js';

/**
 * Decides what the client receives as the response head: the server's bytes
 * untouched when nothing changes (the common, fast case), or a rebuilt head
 * after http-response rules and cookie insertion.
 */
export function responseHeaders(
  head: ResponseHead,
  fe: Frontend,
  be: Backend,
  server: Server | null,
  req: SampleSource,
  clientCookie: string | undefined,
  state?: ResponseState,
): [string, string][] | null {
  const txn = txnOf(req);
  txn.backend = be;
  if (server) txn.server = server;
  captureHeaders(fe.model, 'response', head.headers, txn);
  const cookie = be.cookie;
  // A client that already carries this server's cookie is not sent it again.
  const insert =
    cookie !== undefined && cookie.insert && server?.cookie !== undefined && clientCookie !== server.cookie && (!cookie.postonly || req.method === 'POST');
  const cookieWork = cookie !== undefined && responseNeedsCookieWork(cookie, server?.cookie, insert, head.headers);
  const sameProxy = be.isSameProxyAs(fe.model);
  const afterRules = afterResponseRules(be.model).length > 0 || afterResponseRules(fe.model).length > 0;
  if (!cookieWork && !head.hopByHop && !afterRules && be.responseRules.length === 0 && (sameProxy || fe.responseRules.length === 0)) return null;
  const headers: [string, string][] = [];
  for (const [n, v] of head.headers) {
    // Connection handling is per hop: the server's keep-alive terms are not the client's.
    if (n.length === 10 && (n.toLowerCase() === 'connection' || n.toLowerCase() === 'keep-alive') && head.status !== 101) continue;
    headers.push([n, v]);
  }
  // set-status and local answers (deny/return) come back through `state`.
  const st: ResponseState = state ?? { status: head.status, reason: head.reason, version: head.version };
  if (applyResponseRules(be.responseRules, req, headers, st) && !sameProxy) applyResponseRules(fe.responseRules, req, headers, st);
  if (afterRules && !st.local) runAfterResponse(fe.model, be.model, req, headers, st);
  if (cookieWork) applyResponseCookie(cookie, server?.cookie, insert, headers, undefined, { method: req.method, status: st.status });
  return headers;
}

export function serializeResponseHead(status: number, reason: string, headers: [string, string][]): string {
  let out = `HTTP/1.1 ${status} ${reason || REASONS[status] || ''}\r\n`;
  for (const [n, v] of headers) out += `${n}: ${v}\r\n`;
  return out + '\r\n';
}

/** Removes the backend's persistence cookie from a Cookie header list (indirect mode). */
export function stripCookie(headers: [string, string][], name: string): void {
  for (let i = headers.length - 1; i >= 0; i--) {
    const [n, v] = headers[i]!;
    if (n.toLowerCase() !== 'cookie') continue;
    const kept = v
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p !== '' && !p.startsWith(`${name}=`) && p !== name);
    if (kept.length === 0) headers.splice(i, 1);
    else headers[i] = [n, kept.join('; ')];
  }
}

/** The persistence cookie's value in the request, if present. */
export function findCookie(headers: [string, string][], name: string): string | undefined {
  for (const [n, v] of headers) {
    if (n.toLowerCase() !== 'cookie') continue;
    for (const part of v.split(';')) {
      const p = part.trim();
      if (p.startsWith(`${name}=`)) return p.slice(name.length + 1);
    }
  }
  return undefined;
}
