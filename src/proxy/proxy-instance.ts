import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Http2SecureServer } from 'node:http2';
import { DocklabError } from '../errors.js';
import { ConfigParser } from './config/config-parser.js';
import type { BindModel, ConfigModel } from './config/model.js';
import { Router } from './runtime/router.js';
import { ClientConnection } from './http/client-connection.js';
import { TcpSession } from './tcp/tcp-session.js';
import { tlsUpgrade } from './tcp/tls-upgrade.js';
import { presentAs, readProxyHeaderFrom } from './tcp/proxy-header-reader.js';
import { admitConnection } from './tcp/connection-admission.js';
import { H2SessionHost } from './http/h2-session-host.js';
import type { ListenerContext } from './http/listener-context.js';
import { loadPem } from './runtime/tls-material.js';
import { acceptTlsClient, bindTlsOptions } from './runtime/bind-tls.js';
import { dropConnection } from './tcp/drop-connection.js';

export interface ProxyOptions {
  /** Log lines (httplog) and notices; default: stdout. */
  onLog?: (line: string) => void;
  /** Configuration warnings; default: stderr. */
  onWarning?: (line: string) => void;
}

export interface ListenAddress {
  frontend: string;
  host: string;
  port: number;
  ssl: boolean;
}

export interface RunningProxy {
  /** Where the proxy listens (ports resolved when the config said :0). */
  readonly addresses: readonly ListenAddress[];
  readonly warnings: readonly string[];
  /** Re-reads the file. On error the old configuration keeps serving and the promise rejects. */
  reload(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish, then closes everything. */
  close(): Promise<void>;
  /** Open upstream sockets across current and retired configurations (for tests). */
  openUpstreamSockets(): number;
}

interface Listener {
  key: string;
  bind: BindModel;
  frontendName: string;
  server: NetServer | Http2SecureServer;
  address: ListenAddress;
}

/** Reads, parses and compiles a configuration file without starting anything. */
export async function loadConfig(path: string): Promise<{ config: ConfigModel; router: Router }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DocklabError('DOCKLAB_FILE_MISSING', `${path}: cannot read the configuration file; check the path given with -f`);
  }
  const config = ConfigParser.parseText(text, basename(path), { dir: dirname(resolve(path)), fromFile: true });
  const router = await Router.compile(config);
  return { config, router };
}

/**
 * A running proxy: listeners, the current Router, and the routers retired by
 * reloads that still have requests in flight.
 */
class ProxyInstance implements RunningProxy {
  private router!: Router;
  private readonly retired = new Set<Router>();
  private listeners: Listener[] = [];
  private readonly connections = new Set<ClientConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly h2Hosts: H2SessionHost[] = [];
  private stoppingFlag = false;
  /** Counts a socket among the open ones until it closes (one listener function for all sockets, no closure each). */
  private readonly track = ((sockets: Set<Socket>) => {
    function untrack(this: Socket): void {
      sockets.delete(this);
    }
    return (s: Socket): void => {
      sockets.add(s);
      s.once('close', untrack);
    };
  })(this.sockets);
  warnings: string[] = [];
  /** `hard-stop-after`: how long a stop waits for open connections (10 s when unset). */
  private hardStopAfter = 10_000;

  constructor(
    private readonly path: string,
    private readonly opts: Required<ProxyOptions>,
  ) {}

  get addresses(): ListenAddress[] {
    return this.listeners.map((l) => l.address);
  }

  async start(): Promise<void> {
    const { config, router } = await this.compile();
    await this.apply(config, router);
  }

  private async compile(): Promise<{ config: ConfigModel; router: Router }> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      throw new DocklabError('DOCKLAB_FILE_MISSING', `${this.path}: cannot read the configuration file; check the path given with -f`);
    }
    const config = ConfigParser.parseText(text, basename(this.path), { dir: dirname(resolve(this.path)), fromFile: true });
    const router = await Router.compile(config, { onNotice: (m) => this.opts.onLog(m) });
    // Certificates are checked before anything changes, so a bad one refuses the reload.
    for (const fe of config.frontends) for (const b of fe.binds) if (b.ssl) for (const f of b.certFiles) loadPem(f, b);
    return { config, router };
  }

  private async apply(config: ConfigModel, router: Router): Promise<void> {
    const wanted = new Map<string, { bind: BindModel; frontend: string }>();
    for (const fe of config.frontends) for (const b of fe.binds) wanted.set(bindKey(b, fe.name), { bind: b, frontend: fe.name });
    const keep = this.listeners.filter((l) => wanted.has(l.key));
    const opened: Listener[] = [];
    try {
      for (const [key, { bind, frontend }] of wanted) {
        const existing = keep.find((l) => l.key === key);
        if (existing) {
          // Same address and frontend: keep the socket, refresh certificates.
          if (bind.ssl && 'setSecureContext' in existing.server) this.refreshTls(existing.server as ReturnType<typeof createTlsServer>, bind);
          continue;
        }
        opened.push(await this.open(key, bind, frontend, config));
      }
    } catch (e) {
      for (const l of opened) l.server.close();
      router.retire();
      throw e;
    }
    for (const l of this.listeners) if (!wanted.has(l.key)) l.server.close();
    this.listeners = [...keep, ...opened];
    const old = this.router;
    this.router = router;
    this.warnings = config.warnings;
    this.hardStopAfter = config.global.hardStopAfter ?? 10_000;
    for (const w of config.warnings) this.opts.onWarning(w);
    router.start();
    if (old) {
      old.retire();
      this.retired.add(old);
      // Idle pooled sockets closed at once; busy ones finish their exchange first.
      setTimeout(() => this.retired.delete(old), 60_000).unref();
    }
  }

  private refreshTls(server: ReturnType<typeof createTlsServer>, bind: BindModel): void {
    const materials = bind.certFiles.map((f) => loadPem(f, bind));
    // The whole context (CA for client certificates, versions, ciphers), not only the certificate.
    server.setSecureContext(bindTlsOptions(bind, materials));
  }

  private context(frontendName: string, ssl: boolean, port: () => number): ListenerContext {
    let h2: H2SessionHost | undefined;
    const ctx: ListenerContext = {
      upgradeToH2: (socket, preread) => {
        if (!h2) {
          h2 = new H2SessionHost(ctx);
          this.h2Hosts.push(h2);
        }
        h2.accept(socket, preread);
      },
      frontendName,
      ssl,
      get localPort() {
        return port();
      },
      router: () => this.router,
      log: this.opts.onLog,
      stopping: () => this.stoppingFlag,
      activeConnections: () => this.sockets.size,
      adoptHttp: (c, socket) => {
        this.connections.add(c as ClientConnection);
        socket.once('close', () => this.connections.delete(c as ClientConnection));
      },
    };
    return ctx;
  }

  private open(key: string, bind: BindModel, frontendName: string, config: ConfigModel): Promise<Listener> {
    const bound = { port: bind.port };
    const ctx = this.context(frontendName, bind.ssl, () => bound.port);
    let server: NetServer | Http2SecureServer;
    const track = this.track;
    const section = config.frontends.find((f) => f.name === frontendName);
    if (section?.settings.mode === 'tcp') return this.listen(key, bind, frontendName, config, this.openTcp(bind, ctx, track), bound);
    if (bind.acceptProxy) return this.listen(key, bind, frontendName, config, this.openProxied(bind, ctx, track), bound);
    if (bind.ssl) {
      const materials = bind.certFiles.map((f) => loadPem(f, bind));
      const tlsOptions = bindTlsOptions(bind, materials);
      {
        // One TLS server for every ALPN list: h2 sessions are handed to the HTTP/2 host,
        // everything else (http/1.1, no ALPN) to the HTTP/1 client connection, upgrades included.
        const tls = createTlsServer({ ...tlsOptions, ...(bind.alpn.length ? { ALPNProtocols: bind.alpn } : {}) }, (s: TLSSocket) => {
          if (!acceptTlsClient(s, bind)) {
            s.destroy();
            return;
          }
          track(s);
          if (!admitConnection(s, ctx, bind)) return;
          if (s.alpnProtocol === 'h2') {
            ctx.upgradeToH2!(s);
            return;
          }
          const c = new ClientConnection(s, ctx);
          this.connections.add(c);
          s.once('close', () => this.connections.delete(c));
        });
        server = tls;
      }
      server.on('tlsClientError', () => {});
    } else {
      server = createTcpServer({ noDelay: true }, (s) => {
        track(s);
        if (!admitConnection(s, ctx, bind)) return;
        const c = new ClientConnection(s, ctx);
        this.connections.add(c);
        s.once('close', () => this.connections.delete(c));
      });
    }
    return this.listen(key, bind, frontendName, config, server, bound);
  }

  /**
   * An HTTP listener under `accept-proxy`: connection rules see the real peer,
   * then the PROXY header is read (a connection without one is closed, as in
   * HAProxy), TLS follows on `ssl` binds, and everything after sees the
   * addresses the header carried.
   */
  private openProxied(bind: BindModel, ctx: ListenerContext, track: (s: Socket) => void): NetServer {
    const upgrade = bind.ssl
      ? tlsUpgrade(bind, {
          ...bindTlsOptions(
            bind,
            bind.certFiles.map((f) => loadPem(f, bind)),
          ),
          ...(bind.alpn.length ? { ALPNProtocols: bind.alpn } : {}),
        })
      : undefined;
    const serve = (s: Socket) => {
      const c = new ClientConnection(s, ctx);
      this.connections.add(c);
      s.once('close', () => this.connections.delete(c));
    };
    return createTcpServer({ noDelay: true }, (raw) => {
      track(raw);
      if (!admitConnection(raw, ctx, bind)) return;
      void readProxyHeaderFrom(raw).then(async (r) => {
        // No PROXY header: HAProxy drops the connection without lingering (the client sees a reset).
        if (!r) {
          dropConnection(raw);
          return;
        }
        if (r.addresses) presentAs(raw, r.addresses);
        if (!upgrade) {
          if (r.rest.length) raw.unshift(r.rest);
          raw.resume();
          serve(raw);
          return;
        }
        const tls = await upgrade(raw, r.rest);
        if (!tls) return;
        if (r.addresses) presentAs(tls, r.addresses);
        if (tls.alpnProtocol === 'h2') ctx.upgradeToH2!(tls);
        else serve(tls);
      });
    });
  }

  /** A `mode tcp` listener: every connection becomes a TcpSession (TLS terminated first on `ssl` binds). */
  private openTcp(bind: BindModel, ctx: ListenerContext, track: (s: Socket) => void): NetServer {
    const upgrade = bind.ssl
      ? tlsUpgrade(bind, {
          ...bindTlsOptions(
            bind,
            bind.certFiles.map((f) => loadPem(f, bind)),
          ),
          ...(bind.alpn.length ? { ALPNProtocols: bind.alpn } : {}),
        })
      : undefined;
    return createTcpServer({ noDelay: true, allowHalfOpen: true }, (s) => {
      track(s);
      new TcpSession(s, ctx, bind, upgrade);
    });
  }

  private listen(
    key: string,
    bind: BindModel,
    frontendName: string,
    config: ConfigModel,
    server: NetServer | Http2SecureServer,
    bound: { port: number },
  ): Promise<Listener> {
    const fe = config.frontends.find((f) => f.name === frontendName);
    const maxconn = fe?.settings.maxconn ?? config.global.maxconn;
    if (maxconn) (server as NetServer).maxConnections = maxconn;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        const where = `${bind.loc.file}:${bind.loc.line}`;
        if (e.code === 'EADDRINUSE')
          reject(
            new DocklabError(
              'DOCKLAB_PORT_IN_USE',
              `${where}: ${bind.host || '*'}:${bind.port} is already in use; stop what listens there or bind another port`,
            ),
          );
        else
          reject(
            new DocklabError('DOCKLAB_PORT_IN_USE', `${where}: cannot listen on ${bind.host || '*'}:${bind.port} (${e.code ?? e.message}); check the address`),
          );
      };
      server.once('error', onError);
      server.listen({ host: bind.host || '0.0.0.0', port: bind.port }, () => {
        server.removeListener('error', onError);
        server.on('error', (e) => this.opts.onLog(`listener ${bind.host}:${bind.port} error: ${e.message}`));
        const a = server.address();
        bound.port = typeof a === 'object' && a ? a.port : bind.port;
        resolve({ key, bind, frontendName, server, address: { frontend: frontendName, host: bind.host || '0.0.0.0', port: bound.port, ssl: bind.ssl } });
      });
    });
  }

  async reload(): Promise<void> {
    const { config, router } = await this.compile();
    await this.apply(config, router);
  }

  async close(): Promise<void> {
    this.stoppingFlag = true;
    // A listener reports closed only once its connections are gone: idle ones are closed first, not after.
    const listenersClosed = Promise.all(
      this.listeners.map(
        (l) =>
          new Promise<void>((r) => {
            l.server.close(() => r());
          }),
      ),
    );
    for (const c of this.connections) c.closeIfIdle();
    for (const h of this.h2Hosts) h.close();
    await listenersClosed;
    const deadline = Date.now() + this.hardStopAfter;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    this.router.retire();
    for (const r of this.retired) r.retire();
  }

  openUpstreamSockets(): number {
    let n = this.router.openUpstreamSockets();
    for (const r of this.retired) n += r.openUpstreamSockets();
    return n;
  }
}

function bindKey(b: BindModel, frontend: string): string {
  return [frontend, b.host, b.port, b.ssl, b.certFiles.join(','), b.alpn.join(','), JSON.stringify(b.tls ?? null)].join('|');
}

export async function startProxyFromFile(path: string, options: ProxyOptions = {}): Promise<RunningProxy> {
  const instance = new ProxyInstance(path, {
    onLog:
      options.onLog ??
      ((line) => {
        process.stdout.write(`${line}\n`);
      }),
    onWarning:
      options.onWarning ??
      ((line) => {
        process.stderr.write(`${line}\n`);
      }),
  });
  await instance.start();
  return instance;
}
