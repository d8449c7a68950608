import { getHeader } from '../http/proxied-request.js';

export interface Credentials {
  /** The scheme as sent (`Basic`, `Bearer`…). */
  readonly type: string;
  /** Set only for Basic credentials that decode to USER:PASS. */
  readonly user?: string;
  readonly pass?: string;
}

/** Reads the Authorization header the way HAProxy's http_auth_* fetches do. */
export function parseAuthorization(headers: [string, string][]): Credentials | null {
  const value = getHeader(headers, 'authorization');
  if (value === undefined) return null;
  const m = /^\s*(\S+)\s*(.*)$/.exec(value);
  if (!m) return null;
  const type = m[1]!;
  if (type.toLowerCase() !== 'basic') return { type };
  const decoded = Buffer.from(m[2]!.trim(), 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  // HAProxy drops Basic credentials without a colon altogether (no type either).
  if (colon < 0) return null;
  return { type, user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}
