import type { Socket } from 'node:net';
import type { Backend } from '../runtime/backend.js';
import type { SessionState } from '../sample/txn.js';
import type { ListenerContext } from '../http/listener-context.js';
import { ClientConnection } from '../http/client-connection.js';
import { presentAs } from './proxy-header-reader.js';
import type { ProxiedAddresses } from './proxy-protocol.js';

/** Where an HTTP connection upgraded from TCP starts: its first request's backend and the connection's variables. */
export interface UpgradedStart {
  /** The backend the TCP frontend's switching rules chose: the first request goes there without running them again. */
  readonly backend: Backend;
  /** `sess` variables set by the TCP rules, still in scope for the HTTP requests. */
  readonly session?: SessionState | undefined;
}

export interface HttpUpgrade extends UpgradedStart {
  /** Client bytes already read (the start of the first request). */
  readonly buffered: Buffer;
  /** The addresses a PROXY header gave, which the HTTP side must report too. */
  readonly addresses?: ProxiedAddresses | undefined;
}

/**
 * Serves a TCP frontend's connection as HTTP/1 from here on (HAProxy's
 * implicit upgrade when a `mode tcp` frontend picks a `mode http` backend).
 * The bytes the TCP side read are replayed to the HTTP parser as if they
 * had just arrived; a connection that opens with the HTTP/2 preface becomes HTTP/2 there.
 */
export function upgradeToHttp(socket: Socket, ctx: ListenerContext, u: HttpUpgrade): void {
  if (u.addresses) presentAs(socket, u.addresses);
  const connection = new ClientConnection(socket, ctx, { backend: u.backend, session: u.session });
  ctx.adoptHttp?.(connection, socket);
  if (u.buffered.length) socket.emit('data', u.buffered);
  // The TCP side may have paused the socket (a full inspection buffer); the HTTP side reads on its own terms.
  if (!socket.destroyed) socket.resume();
}
