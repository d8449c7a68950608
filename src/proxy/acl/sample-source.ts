import type { TLSSocket } from 'node:tls';
import { Txn } from '../sample/txn.js';

/** The response head, present only while http-response rules run. */
export interface ResponseView {
  status: number;
  /** "1.0" or "1.1". */
  version: string;
  headers: [string, string][];
}

/** What sample fetches read: one request as the proxy sees it at rule time. */
export interface SampleSource {
  method: string;
  uri: string;
  /** "1.0", "1.1" or "2.0". */
  version: string;
  /** Header lines in arrival order; names keep their case. */
  headers: [string, string][];
  srcAddr: string;
  dstPort: number;
  ssl: boolean;
  sni: string | undefined;
  /** The client's TLS connection (for the ssl_c_* and ssl_fc_* fetches). */
  tlsSocket?: TLSSocket;
  /** Per-transaction state (variables, chosen proxies); created on first use when absent. */
  txn?: Txn;
  response?: ResponseView;
  srcPort?: number;
  dstAddr?: string;
  /** False for the second and later requests on a keep-alive connection. */
  firstRequest?: boolean;
}

/** The transaction state of a request, created on first use. */
export function txnOf(src: SampleSource): Txn {
  return (src.txn ??= new Txn());
}

/** The path part of a request URI (origin or absolute form), without the query. */
export function pathOf(uri: string): string {
  let start = 0;
  if (uri.charCodeAt(0) !== 47 /* / */ && uri !== '*') {
    const scheme = uri.indexOf('://');
    if (scheme > 0) {
      const slash = uri.indexOf('/', scheme + 3);
      if (slash < 0) return '';
      start = slash;
    }
  }
  const q = uri.indexOf('?', start);
  return q < 0 ? (start === 0 ? uri : uri.slice(start)) : uri.slice(start, q);
}

export function queryOf(uri: string): string | null {
  const q = uri.indexOf('?');
  return q < 0 ? null : uri.slice(q + 1);
}

export function headerValues(headers: [string, string][], lowerName: string): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) if (n.length === lowerName.length && n.toLowerCase() === lowerName) out.push(v);
  return out;
}
