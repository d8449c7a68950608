/**
 * Writes the request head a server receives, always rebuilt from the parsed
 * request and never copied from the client's bytes: one request line, CRLF
 * line ends, header names in lower case, values as parsed. Whatever line
 * ends or spacing the client used, the server reads exactly the framing the
 * proxy read.
 *
 * Connection handling is per hop, as HAProxy does it: the client's `close`
 * and `keep-alive` tokens are dropped from Connection (other tokens, such as
 * `upgrade`, stay), then the proxy states its own intent to the server:
 * `keep-alive` for an HTTP/1.0 request on a kept connection, `close` for an
 * HTTP/1.1 request on a connection it will close.
 */
export function writeRequestHead(
  method: string,
  uri: string,
  version: string,
  headers: readonly (readonly [string, string])[],
  serverClose: boolean,
  extra?: readonly (readonly [string, string])[],
): string {
  const v10 = version === '1.0';
  const intent = v10 ? (serverClose ? '' : 'keep-alive') : serverClose ? 'close' : '';
  let stated = false;
  let h = `${method} ${uri} HTTP/${v10 ? '1.0' : '1.1'}\r\n`;
  for (let i = 0; i < headers.length; i++) {
    const [n, v] = headers[i]!;
    const name = n.toLowerCase();
    if (name === 'connection') {
      if (stated) continue;
      const kept = connectionTokens(headers);
      if (intent) kept.push(intent);
      stated = true;
      if (kept.length > 0) h += `connection: ${kept.join(', ')}\r\n`;
      continue;
    }
    h += `${name}: ${v}\r\n`;
  }
  if (extra) for (const [n, v] of extra) h += `${n.toLowerCase()}: ${v}\r\n`;
  if (!stated && intent) h += `connection: ${intent}\r\n`;
  return h + '\r\n';
}

/** Every Connection token of the request except `close` and `keep-alive`, in order, spelled as sent. */
function connectionTokens(headers: readonly (readonly [string, string])[]): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) {
    if (n.length !== 10 || n.toLowerCase() !== 'connection') continue;
    for (const t of v.split(',')) {
      const tok = t.trim();
      const lower = tok.toLowerCase();
      if (tok && lower !== 'close' && lower !== 'keep-alive') out.push(tok);
    }
  }
  return out;
}
