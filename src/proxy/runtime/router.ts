import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ConfigModel, ProxySection, TimeoutName } from '../config/model.js';
import { compileNamedAcls, AclCondition, type Acl } from '../acl/acl-condition.js';
import { createBalancer } from '../balance/create-balancer.js';
import { HealthChecker } from '../health/health-checker.js';
import { referenceError } from '../config/config-errors.js';
import { Backend } from './backend.js';
import { CompiledRule } from './compiled-rule.js';
import { Frontend } from './frontend.js';
import { Server } from './server.js';

export interface RouterOptions {
  /** Health-state changes and other runtime notices. */
  onNotice?: (message: string) => void;
}

/**
 * The compiled, immutable routing table built from one configuration. A
 * reload builds a new Router and swaps it in whole; requests already in
 * flight keep the Router they started with.
 */
export class Router {
  private started = false;

  private constructor(
    readonly config: ConfigModel,
    readonly frontends: readonly Frontend[],
    readonly backends: ReadonlyMap<string, Backend>,
  ) {}

  static async compile(config: ConfigModel, options: RouterOptions = {}): Promise<Router> {
    const aclsBySection = new Map<ProxySection, Map<string, Acl>>();
    const aclsOf = (p: ProxySection) => {
      let m = aclsBySection.get(p);
      if (!m) { m = compileNamedAcls(p.acls); aclsBySection.set(p, m); }
      return m;
    };
    const backends = new Map<string, Backend>();
    for (const b of config.backends) {
      const acls = aclsOf(b);
      const servers: Server[] = [];
      for (const s of b.servers) servers.push(new Server(s, await resolve(s.host, s.loc, s.name), b.name));
      const t = b.settings.timeouts;
      const checkers: HealthChecker[] = [];
      for (const s of servers) {
        const o = s.model.options;
        if (!o.check) continue;
        const inter = o.inter ?? 2000;
        checkers.push(new HealthChecker(s, {
          inter, fastinter: o.fastinter ?? inter, downinter: o.downinter ?? inter,
          rise: o.rise ?? 2, fall: o.fall ?? 3,
          timeout: t.check !== undefined ? (t.connect ?? 0) + t.check : inter,
          port: o.port ?? s.model.port,
          ...(b.settings.httpchk ? { http: b.settings.httpchk } : {}),
          onChange: (_srv, msg) => options.onNotice?.(msg),
        }));
      }
      backends.set(b.name, new Backend(
        b.name, b, servers, createBalancer(b.settings.balance.algo, servers),
        b.requestRules.map((r) => new CompiledRule(r.action, r, acls)),
        b.responseRules.map((r) => new CompiledRule(r.action, r, acls)),
        b.stats?.uri, t, b.settings.forwardfor, b.settings.cookie, b.settings.retries, b.settings.redispatch, checkers,
      ));
    }
    const frontends = config.frontends.map((f) => {
      const acls = aclsOf(f);
      const s = f.settings;
      return new Frontend(
        f.name, f, f.binds, acls,
        f.requestRules.map((r) => new CompiledRule(r.action, r, acls)),
        f.responseRules.map((r) => new CompiledRule(r.action, r, acls)),
        f.useBackends.map((u) => ({ backend: backends.get(u.backend)!, cond: u.cond ? AclCondition.compile(u.cond, acls) : undefined })),
        s.defaultBackend ? backends.get(s.defaultBackend.name) : f.kind === 'listen' ? backends.get(f.name) : undefined,
        f.stats?.uri, withDerivedTimeouts(s.timeouts), s.httplog, s.forwardfor, s.maxconn ?? config.global.maxconn,
      );
    });
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

async function resolve(host: string, loc: { file: string; line: number }, name: string): Promise<string> {
  if (host === '' ) return '127.0.0.1';
  if (isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw referenceError(loc, `server '${name}' address '${host}' does not resolve; check the host name (in containers: the other container's name on a shared network)`);
  }
}
