import { writeRequestHead } from './request-head-writer.js';

/**
 * Builds the request head sent to a server, as one string written in one go.
 * An HTTP/1.0 client is passed on as HTTP/1.0 so the server never answers it
 * with chunked encoding. `extra` lines are added after the client's fields.
 */
export function buildUpstreamHead(
  method: string,
  uri: string,
  version: string,
  headers: [string, string][],
  serverClose: boolean,
  extra?: [string, string][],
): string {
  return writeRequestHead(method, uri, version, headers, serverClose, extra);
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}
