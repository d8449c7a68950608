import type { ResponseHead } from './http-head.js';
import type { Backend } from '../runtime/backend.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Server } from '../runtime/server.js';
import type { SampleSource } from '../acl/sample-source.js';
import { applyResponseRules } from './rule-engine.js';
import { REASONS } from './local-response.js';

/**
 * Decides what the client receives as the response head: the server's bytes
 * untouched when nothing changes (the common, fast case), or a rebuilt head
 * after http-response rules and cookie insertion.
 */
export function responseHeaders(
  head: ResponseHead, fe: Frontend, be: Backend, server: Server | null, req: SampleSource, clientCookie: string | undefined,
): [string, string][] | null {
  const cookie = be.cookie;
  // A client that already carries this server's cookie is not sent it again.
  const insert = cookie && server?.cookie !== undefined && clientCookie !== server!.cookie;
  const sameProxy = be.isSameProxyAs(fe.model);
  if (!insert && !head.hopByHop && be.responseRules.length === 0 && (sameProxy || fe.responseRules.length === 0)) return null;
  const headers: [string, string][] = [];
  for (const [n, v] of head.headers) {
    // Connection handling is per hop: the server's keep-alive terms are not the client's.
    if (n.length === 10 && (n.toLowerCase() === 'connection' || n.toLowerCase() === 'keep-alive') && head.status !== 101) continue;
    headers.push([n, v]);
  }
  applyResponseRules(be.responseRules, req, headers);
  if (!sameProxy) applyResponseRules(fe.responseRules, req, headers);
  if (insert) {
    const serverSetsIt = cookie.preserve && headers.some(([n, v]) => n.toLowerCase() === 'set-cookie' && v.startsWith(`${cookie.name}=`));
    if (!serverSetsIt) {
      let value = `${cookie.name}=${server!.cookie}; path=/`;
      if (cookie.httponly) value += '; HttpOnly';
      if (cookie.secure) value += '; Secure';
      headers.push(['set-cookie', value]);
    }
  }
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
    const kept = v.split(';').map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith(`${name}=`) && p !== name);
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
