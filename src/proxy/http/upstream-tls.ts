import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { GlobalModel, Loc, ServerOptions } from '../config/model.js';
import type { Server } from '../runtime/server.js';
import { parseSampleExpr } from '../sample/sample-expr.js';
import { H2Upstream } from './h2-upstream.js';
import { syntaxError } from '../config/config-errors.js';

function readPem(file: string, at: Loc, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw syntaxError(at, `cannot read the ${what} '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Connection options for TLS to a server. With `verify required` the chain
 * must lead to the `ca-file`; the host name is checked only against a name
 * given (SNI or `verifyhost`), as HAProxy does, since servers are usually
 * addressed by IP.
 */
export function upstreamTls(o: ServerOptions, globalVerify: 'none' | 'required' | undefined, at: Loc, forCheck = false): ConnectionOptions {
  const verify = (o.verify ?? globalVerify ?? 'required') === 'required';
  const opts: ConnectionOptions = { rejectUnauthorized: verify };
  if (verify && o.caFile) opts.ca = readPem(o.caFile, at, 'ca-file');
  if (o.crtFile) {
    const pem = readPem(o.crtFile, at, 'certificate');
    opts.cert = pem;
    opts.key = pem;
  }
  const alpn = forCheck ? (o.checkAlpn ?? o.alpn) : o.alpn;
  if (alpn) opts.ALPNProtocols = alpn;
  const verifyHost = o.sslNotes?.find((n) => n.startsWith('verifyhost '))?.slice('verifyhost '.length);
  // Node passes the SNI name, or the address when no SNI is sent: an address is not checked.
  opts.checkServerIdentity = (name: string, cert: PeerCertificate) => {
    const expected = verifyHost ?? (isIP(name) ? undefined : name);
    return expected ? checkServerIdentity(expected, cert) : undefined;
  };
  if (forCheck && o.checkSni) opts.servername = o.checkSni;
  return opts;
}

/** Sets up TLS on a server's connection pool from its `ssl`, `verify`, `ca-file`, `crt`, `sni` and `alpn` options. */
export function configureServerTls(server: Server, global: GlobalModel): void {
  const o = server.model.options;
  if (o.ssl) {
    const opts = upstreamTls(o, global.sslServerVerify, server.model.loc);
    // Without `proto h2` the connection speaks HTTP/1.1, so only that is offered.
    if (o.proto !== 'h2' && opts.ALPNProtocols) opts.ALPNProtocols = (opts.ALPNProtocols as string[]).filter((p) => p !== 'h2');
    if (Array.isArray(opts.ALPNProtocols) && opts.ALPNProtocols.length === 0) delete opts.ALPNProtocols;
    server.pool.tls = opts;
    if (o.sni) server.pool.sniExpr = parseSampleExpr(o.sni, server.model.loc);
  }
  // `proto h2`: HTTP/2 to the server, over TLS or in clear (h2c).
  if (o.proto === 'h2') server.pool.h2 = new H2Upstream(server.address, server.model.port, server.pool.tls);
}
