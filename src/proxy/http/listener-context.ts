import type { Router } from '../runtime/router.js';

/** What a client connection needs from the listener that accepted it. */
export interface ListenerContext {
  readonly frontendName: string;
  readonly ssl: boolean;
  readonly localPort: number;
  router(): Router;
  log(line: string): void;
  /** True once a graceful stop began: finish the current request, then close. */
  stopping(): boolean;
  /** Connections across all frontends (the %ac log field). */
  activeConnections(): number;
  /** Serves the socket as HTTP/2 from here on; `preread` holds bytes already read from it. */
  upgradeToH2?(socket: import('node:net').Socket, preread?: Buffer): void;
  /** Keeps an HTTP connection that began on a TCP frontend among those a graceful stop closes when idle. */
  adoptHttp?(connection: { closeIfIdle(): void }, socket: import('node:net').Socket): void;
}
