import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { DocklabError } from '../errors.js';
import { ConfigParser } from './config/config-parser.js';
import type { BindModel, ConfigModel } from './config/model.js';
import { Router } from './runtime/router.js';
import { ClientConnection } from './http/client-connection.js';
import { handleH2Request } from './http/h2-request-handler.js';
import type { ListenerContext } from './http/listener-context.js';
import { loadPem, sniSelector } from './runtime/tls-material.js';

export interface ProxyOptions {
  /** Log lines (httplog) and notices; default: stdout. */
  onLog?: (line: string) => void;
  /** Configuration warnings; default: stderr. */
  onWarning?: (line: string) => void;
}

export interface ListenAddress { frontend: string; host: string; port: number; ssl: boolean }

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
  try { text = readFileSync(path, 'utf8'); } catch {
    throw new DocklabError('DOCKLAB_FILE_MISSING', `${path}: cannot read the configuration file; check the path given with -f`);
  }
  const config = ConfigParser.parseText(text, basename(path));
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
  private stoppingFlag = false;
  warnings: string[] = [];

  constructor(private readonly path: string, private readonly opts: Required<ProxyOptions>) {}

  get addresses(): ListenAddress[] { return this.listeners.map((l) => l.address); }

  async start(): Promise<void> {
    const { config, router } = await this.compile();
    await this.apply(config, router);
  }

  private async compile(): Promise<{ config: ConfigModel; router: Router }> {
    let text: string;
    try { text = readFileSync(this.path, 'utf8'); } catch {
      throw new DocklabError('DOCKLAB_FILE_MISSING', `${this.path}: cannot read the configuration file; check the path given with -f`);
    }
    const config = ConfigParser.parseText(text, basename(this.path));
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
    server.setSecureContext({ cert: materials[0]!.cert, key: materials[0]!.key });
  }

  private context(frontendName: string, ssl: boolean, port: () => number): ListenerContext {
    return {
      frontendName, ssl,
      get localPort() { return port(); },
      router: () => this.router,
      log: this.opts.onLog,
      stopping: () => this.stoppingFlag,
      activeConnections: () => this.sockets.size,
    };
  }

  private open(key: string, bind: BindModel, frontendName: string, config: ConfigModel): Promise<Listener> {
    let port = bind.port;
    const ctx = this.context(frontendName, bind.ssl, () => port);
    let server: NetServer | Http2SecureServer;
    const track = (s: Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); };
    if (bind.ssl) {
      const materials = bind.certFiles.map((f) => loadPem(f, bind));
      const tlsOptions = {
        cert: materials[0]!.cert, key: materials[0]!.key,
        ...(materials.length > 1 ? { SNICallback: sniSelector(materials) } : {}),
      };
      if (bind.alpn.includes('h2')) {
        const h2 = createSecureServer({ ...tlsOptions, allowHTTP1: true, ALPNProtocols: bind.alpn });
        h2.on('request', (req, res) => handleH2Request(ctx, req, res));
        h2.on('secureConnection', (s: TLSSocket) => track(s));
        h2.on('sessionError', () => {});
        server = h2;
      } else {
        const tls = createTlsServer({ ...tlsOptions, ...(bind.alpn.length ? { ALPNProtocols: bind.alpn } : {}) }, (s) => {
          track(s);
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
        const c = new ClientConnection(s, ctx);
        this.connections.add(c);
        s.once('close', () => this.connections.delete(c));
      });
    }
    const fe = config.frontends.find((f) => f.name === frontendName);
    const maxconn = fe?.settings.maxconn ?? config.global.maxconn;
    if (maxconn) (server as NetServer).maxConnections = maxconn;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        const where = `${bind.loc.file}:${bind.loc.line}`;
        if (e.code === 'EADDRINUSE') reject(new DocklabError('DOCKLAB_PORT_IN_USE', `${where}: ${bind.host || '*'}:${bind.port} is already in use; stop what listens there or bind another port`));
        else reject(new DocklabError('DOCKLAB_PORT_IN_USE', `${where}: cannot listen on ${bind.host || '*'}:${bind.port} (${e.code ?? e.message}); check the address`));
      };
      server.once('error', onError);
      server.listen({ host: bind.host || '0.0.0.0', port: bind.port }, () => {
        server.removeListener('error', onError);
        server.on('error', (e) => this.opts.onLog(`listener ${bind.host}:${bind.port} error: ${e.message}`));
        const a = server.address();
        port = typeof a === 'object' && a ? a.port : bind.port;
        resolve({ key, bind, frontendName, server, address: { frontend: frontendName, host: bind.host || '0.0.0.0', port, ssl: bind.ssl } });
      });
    });
  }

  async reload(): Promise<void> {
    const { config, router } = await this.compile();
    await this.apply(config, router);
  }

  async close(): Promise<void> {
    this.stoppingFlag = true;
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => { l.server.close(() => r()); })));
    for (const c of this.connections) c.closeIfIdle();
    const deadline = Date.now() + 10_000;
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
  return [frontend, b.host, b.port, b.ssl, b.certFiles.join(','), b.alpn.join(',')].join('|');
}

export async function startProxyFromFile(path: string, options: ProxyOptions = {}): Promise<RunningProxy> {
  const instance = new ProxyInstance(path, {
    onLog: options.onLog ?? ((line) => { process.stdout.write(`${line}\n`); }),
    onWarning: options.onWarning ?? ((line) => { process.stderr.write(`${line}\n`); }),
  });
  await instance.start();
  return instance;
}
