/** Hop-by-hop headers the proxy never forwards (connection handling is per hop). */
function isHopByHop(name: string): boolean {
  switch (name.length) {
    case 10: return name.toLowerCase() === 'connection' || name.toLowerCase() === 'keep-alive';
    case 16: return name.toLowerCase() === 'proxy-connection';
    case 7: return name.toLowerCase() === 'upgrade';
    default: return false;
  }
}

/**
 * Builds the request head sent to a server, as one string written in one go.
 * HTTP/1.1 to the server keeps the connection alive without saying so; an
 * HTTP/1.0 client is passed on as HTTP/1.0 so the server never answers it
 * with chunked encoding.
 */
export function buildUpstreamHead(method: string, uri: string, version: string, headers: [string, string][], upgrade: boolean, extra?: string): string {
  let h = `${method} ${uri} HTTP/${version === '1.0' ? '1.0' : '1.1'}\r\n`;
  for (let i = 0; i < headers.length; i++) {
    const [n, v] = headers[i]!;
    if (isHopByHop(n) && !(upgrade && n.length === 7)) continue;
    h += `${n}: ${v}\r\n`;
  }
  if (upgrade) h += 'connection: upgrade\r\n';
  if (extra) h += extra;
  return h + '\r\n';
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
export function isIdempotent(method: string): boolean { return IDEMPOTENT.has(method); }
