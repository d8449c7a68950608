import type { SampleSource } from '../acl/sample-source.js';

/** The request as rules see and rewrite it; the upstream head is built from it. */
export interface ProxiedRequest extends SampleSource {
  /** Time the first byte of the head arrived (for logs). */
  receivedAt: number;
  headReceivedAt: number;
  /** Set by anything that rewrites the request; an untouched request is forwarded as received. */
  modified: boolean;
}

export function removeHeader(headers: [string, string][], name: string): void {
  const lower = name.toLowerCase();
  for (let i = headers.length - 1; i >= 0; i--) {
    const n = headers[i]![0];
    if (n.length === lower.length && n.toLowerCase() === lower) headers.splice(i, 1);
  }
}

export function hasHeader(headers: [string, string][], name: string): boolean {
  const lower = name.toLowerCase();
  for (const [n] of headers) if (n.length === lower.length && n.toLowerCase() === lower) return true;
  return false;
}

export function getHeader(headers: [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.length === lower.length && n.toLowerCase() === lower) return v;
  return undefined;
}
