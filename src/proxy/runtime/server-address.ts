import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ServerModel } from '../config/model.js';
import { referenceError } from '../config/config-errors.js';

/**
 * The address a server starts with, following its `init-addr` methods in
 * order (default `last,libc`): `libc` asks the system resolver, an IP is
 * taken as is, `none` starts the server without an address (null: it stays
 * in maintenance). `last` reads a saved server state, which docklab does not
 * keep, so it never yields an address.
 */
export async function resolveServer(s: ServerModel): Promise<string | null> {
  const host = s.host;
  if (host === '') return '127.0.0.1';
  if (isIP(host)) return host;
  const methods = s.options.initAddr ?? ['last', 'libc'];
  for (const m of methods) {
    if (m === 'libc') {
      try {
        return (await lookup(host)).address;
      } catch {
        /* next method */
      }
    } else if (m === 'none') return null;
    else if (isIP(m)) return m;
  }
  throw referenceError(
    s.loc,
    `server '${s.name}' address '${host}' does not resolve; check the host name (in containers: the other container's name on a shared network), or add 'init-addr last,libc,none' to start it in maintenance`,
  );
}
