import type { ConfigModel, ProxySection, TimeoutName } from '../config/model.js';
import { compileNamedAcls, AclCondition, type Acl } from '../acl/acl-condition.js';
import { createBalancer } from '../balance/create-balancer.js';
import { createCheckers } from '../health/server-checks.js';
import { Backend } from './backend.js';
import { CompiledRule } from './compiled-rule.js';
import { compileAfterResponse } from '../rules/after-response.js';
import { LogFormat } from '../http/log-format.js';
import { Frontend } from './frontend.js';
import { Server } from './server.js';
import { buildStickTables } from '../stick/stick-runtime.js';
import type { StickTable } from '../stick/stick-table.js';
import type { StickTableModel } from '../stick/stick-data.js';
import { serverIds } from '../config/server-options.js';
import { resolveServer } from './server-address.js';
import { dynamicCookie } from '../http/persistence-cookie.js';
import { configureServerTls } from '../http/upstream-tls.js';

export interface RouterOptions {
  /** Health-state changes and other runtime notices. */
  onNotice?: (message: string) => void;
  /** Builds each stick table (worker processes get tables shared with the other workers). */
  makeStickTable?: (model: StickTableModel) => StickTable;
}

/**
 * The compiled, immutable routing table built from one configuration. A
 * reload builds a new Router and swaps it in whole; requests already in
 * flight keep the Router they started with.
 */
export class Router {
  private started = false;
  /** Backend by name for fetches such as nbsrv(NAME) and dynamic use_backend (bound once). */
  readonly findBackend = (name: string): Backend | undefined => this.backends.get(name);

  private constructor(
    readonly config: ConfigModel,
    readonly frontends: readonly Frontend[],
    readonly backends: ReadonlyMap<string, Backend>,
  ) {}

  static async compile(config: ConfigModel, options: RouterOptions = {}): Promise<Router> {
    const aclsBySection = new Map<ProxySection, Map<string, Acl>>();
    const aclsOf = (p: ProxySection) => {
      let m = aclsBySection.get(p);
      if (!m) {
        m = compileNamedAcls(p.acls);
        aclsBySection.set(p, m);
      }
      return m;
    };
    const backends = new Map<string, Backend>();
    for (const b of config.backends) {
      const acls = aclsOf(b);
      const servers: Server[] = [];
      for (const s of b.servers) {
        const address = await resolveServer(s);
        const srv = new Server(s, address ?? '0.0.0.0', b.name);
        // `init-addr … none`: a name that does not resolve leaves the server in maintenance.
        if (address === null) srv.setState('MAINT');
        configureServerTls(srv, config.global);
        const key = b.settings.dynamicCookieKey;
        if (b.settings.cookie?.dynamic && key !== undefined && srv.cookie === undefined && address !== null) srv.cookie = dynamicCookie(key, address, s.port);
        servers.push(srv);
      }
      const t = b.settings.timeouts;
      const checkers = createCheckers(b, servers, config.global, (m) => options.onNotice?.(m));
      backends.set(
        b.name,
        new Backend({
          name: b.name,
          model: b,
          servers,
          balancer: createBalancer(b.settings.balance, servers, {
            ...(b.settings.hashType ? { hashType: b.settings.hashType } : {}),
            allBackups: b.settings.allBackups ?? false,
            ids: serverIds(b.servers),
          }),
          requestRules: b.requestRules.map((r) => new CompiledRule(r.action, r, acls)),
          responseRules: b.responseRules.map((r) => new CompiledRule(r.action, r, acls, 'response')),
          statsUri: b.stats?.uri,
          timeouts: t,
          forwardfor: b.settings.forwardfor,
          cookie: b.settings.cookie,
          retries: b.settings.retries,
          redispatch: b.settings.redispatch,
          checkers,
        }),
      );
    }
    const frontends = config.frontends.map((f) => {
      const acls = aclsOf(f);
      const s = f.settings;
      return new Frontend({
        name: f.name,
        model: f,
        binds: f.binds,
        acls,
        requestRules: f.requestRules.map((r) => new CompiledRule(r.action, r, acls, 'request', f.kind === 'frontend')),
        responseRules: f.responseRules.map((r) => new CompiledRule(r.action, r, acls, 'response')),
        useBackends: f.useBackends.map((u) => ({
          backend: u.dynamic ? undefined : backends.get(u.backend)!,
          cond: u.cond ? AclCondition.compile(u.cond, acls, 'request') : undefined,
          ...(u.dynamic ? { format: LogFormat.compile(u.backend, u.loc, 'request', f.kind === 'frontend') } : {}),
        })),
        defaultBackend: s.defaultBackend ? backends.get(s.defaultBackend.name) : f.kind === 'listen' ? backends.get(f.name) : undefined,
        statsUri: f.stats?.uri,
        timeouts: withDerivedTimeouts(s.timeouts),
        httplog: s.httplog,
        forwardfor: s.forwardfor,
        maxconn: s.maxconn ?? config.global.maxconn,
      });
    });
    buildStickTables(config, frontends, backends, options.makeStickTable);
    for (const p of new Set([...config.frontends, ...config.backends])) compileAfterResponse(p, aclsOf(p));
    return new Router(config, frontends, backends);
  }

  /** Starts health checks. Separate from compile so that a refused reload starts nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const b of this.backends.values()) for (const c of b.checkers) c.start();
  }

  /** Stops checks and closes idle pooled connections; in-flight exchanges finish on their own. */
  retire(): void {
    for (const b of this.backends.values()) {
      for (const c of b.checkers) c.stop();
      for (const s of b.servers) s.pool.close();
    }
  }

  /** Upstream sockets currently open across all servers (tests use it to spot leaks). */
  openUpstreamSockets(): number {
    let n = 0;
    for (const b of this.backends.values()) for (const s of b.servers) n += s.pool.open;
    return n;
  }
}

/** HAProxy falls back from http-keep-alive to http-request, and from http-request to client. */
function withDerivedTimeouts(t: Partial<Record<TimeoutName, number>>): Partial<Record<TimeoutName, number>> {
  const out = { ...t };
  if (out['http-request'] === undefined && out.client !== undefined) out['http-request'] = out.client;
  if (out['http-keep-alive'] === undefined && out['http-request'] !== undefined) out['http-keep-alive'] = out['http-request'];
  return out;
}
