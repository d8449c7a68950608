import type { ErrorFileMessage, HttpReplyModel, ProxySection } from '../config/model.js';
import { errorResponse, type LocalResponse } from './local-response.js';

/** A local response carrying an error file's message. */
export function errorFileResponse(msg: ErrorFileMessage): LocalResponse {
  // Length and connection are the serializer's business (HTTP/1 and HTTP/2 differ).
  const headers = msg.headers.filter(([n]) => n !== 'connection' && n !== 'content-length').map(([n, v]): [string, string] => [n, v]);
  return { status: msg.status, headers, body: msg.body.toString('latin1'), bodyBytes: msg.body, errorFile: msg };
}

/**
 * The proxy's own page for a built-in error, as HAProxy picks it: the
 * backend's errorfile for that status first, then the frontend's.
 * Responses that are not built-in errors (return, redirect…) pass unchanged.
 */
export function withProxyErrorFile(r: LocalResponse, fe: ProxySection | undefined, be: ProxySection | undefined): LocalResponse {
  if (!r.isError) return r;
  const msg = be?.settings.errorFiles?.get(r.status) ?? fe?.settings.errorFiles?.get(r.status);
  return msg ? errorFileResponse(msg) : r;
}

/**
 * Whether sending `r` ends the connection: an empty error file (nothing is
 * sent), a message without Content-Length (its end is the close), or one
 * that says `connection: close`.
 */
export function localResponseForcesClose(r: LocalResponse): boolean {
  const m = r.errorFile;
  if (!m) return false;
  return m.empty || !m.hasLength || m.headers.some(([n, v]) => n === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(v));
}

/**
 * The bytes HAProxy writes for an error file: its status line as written,
 * its headers (lower-case names) without any Connection header, then
 * `connection: close` when an HTTP/1.1 message ends the connection, or
 * `connection: keep-alive` when an HTTP/1.0 message does not.
 */
export function serializeErrorFile(m: ErrorFileMessage, close: boolean, headRequest: boolean): Buffer {
  if (m.empty) return Buffer.alloc(0);
  let head = `HTTP/${m.version} ${m.status}${m.reason ? ` ${m.reason}` : ''}\r\n`;
  for (const [n, v] of m.headers) if (n !== 'connection') head += `${n}: ${v}\r\n`;
  // Only what differs from the message version's default is said.
  if (close && m.version !== '1.0') head += 'connection: close\r\n';
  else if (!close && m.version === '1.0') head += 'connection: keep-alive\r\n';
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  return headRequest || m.body.length === 0 ? h : Buffer.concat([h, m.body]);
}

/** The answer of an `http-request deny|return` that says what to send (see HttpReplyModel). */
export function httpReplyResponse(
  status: number,
  reply: HttpReplyModel,
  payload: { contentType?: string | undefined; body?: string | undefined; headers?: readonly [string, string][] | undefined },
): LocalResponse {
  switch (reply.type) {
    case 'errmsg':
      return errorResponse(status);
    case 'errorfile':
      return errorFileResponse(reply.message);
    case 'errorfiles':
      return errorResponse(status);
    case 'payload': {
      const headers: [string, string][] = [];
      if (payload.contentType !== undefined) headers.push(['content-type', payload.contentType]);
      for (const [n, v] of payload.headers ?? []) headers.push([n, v]);
      return { status, headers, body: payload.body ?? '' };
    }
  }
}
