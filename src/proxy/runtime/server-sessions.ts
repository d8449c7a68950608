import type { Server } from './server.js';

/** What a server's in-flight request offers to be cut when the server goes down. */
export interface ServerSession {
  shutdown(): void;
}

const sessions = new WeakMap<Server, Set<ServerSession>>();

export function trackSession(server: Server, s: ServerSession): void {
  // Only `on-marked-down shutdown-sessions` ever cuts them: other servers keep no list (a set per request costs).
  if (server.model.options.onMarkedDown !== 'shutdown-sessions') return;
  let set = sessions.get(server);
  if (!set) {
    set = new Set();
    sessions.set(server, set);
  }
  set.add(s);
}

export function untrackSession(server: Server, s: ServerSession): void {
  sessions.get(server)?.delete(s);
}

/** `on-marked-down shutdown-sessions`: every request in flight on the server is cut at once. */
export function shutdownSessions(server: Server): number {
  const set = sessions.get(server);
  if (!set) return 0;
  const all = [...set];
  set.clear();
  for (const s of all) s.shutdown();
  return all.length;
}
