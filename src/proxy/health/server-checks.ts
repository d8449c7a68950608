import type { GlobalModel, ProxySection } from '../config/model.js';
import { checkProgram } from '../config/check-parser.js';
import { upstreamTls } from '../http/upstream-tls.js';
import type { Server } from '../runtime/server.js';
import { HealthChecker } from './health-checker.js';
import { shutdownSessions } from '../runtime/server-sessions.js';
import { registerChecker } from './observe.js';

/**
 * One checker per server with `check`, running the backend's check program
 * (`option httpchk` / `http-check` rules, `option tcp-check` / `tcp-check`
 * rules, or a plain connect). Checks use TLS with `check-ssl`, or with `ssl`
 * when they go to the server's own port.
 */
export function createCheckers(b: ProxySection, servers: readonly Server[], global: GlobalModel, onNotice: (message: string) => void): HealthChecker[] {
  const t = b.settings.timeouts;
  const program = checkProgram(b.settings) ?? undefined;
  const checkers: HealthChecker[] = [];
  for (const s of servers) {
    const o = s.model.options;
    if (!o.check) continue;
    const inter = o.inter ?? 2000;
    const tls = o.checkSsl === true || (o.ssl === true && o.port === undefined && o.checkAddr === undefined);
    const anyTls = tls || program?.rules.some((r) => r.kind === 'connect' && r.ssl);
    const checker = new HealthChecker(s, {
      inter,
      fastinter: o.fastinter ?? inter,
      downinter: o.downinter ?? inter,
      rise: o.rise ?? 2,
      fall: o.fall ?? 3,
      // As HAProxy: with `timeout check`, min(inter, timeout connect) to connect, then `timeout check` for the rest; else inter for it all.
      timeout: t.check !== undefined ? Math.min(inter, t.connect ?? inter) : inter,
      ...(t.check !== undefined ? { checkTimeout: t.check } : {}),
      // As HAProxy: checks speak the PROXY protocol like the server's traffic unless they go to another port or address.
      ...(o.checkSendProxy
        ? { proxyHeader: 1 as const }
        : o.sendProxy && o.port === undefined && o.checkAddr === undefined
          ? { proxyHeader: o.sendProxy }
          : {}),
      port: o.port ?? s.model.port,
      ...(program ? { program } : {}),
      tls,
      ...(anyTls ? { tlsOptions: upstreamTls(o, global.sslServerVerify, s.model.loc, true) } : {}),
      onChange: (srv, msg) => {
        onNotice(msg);
        if (o.onMarkedDown === 'shutdown-sessions' && srv.state === 'DOWN') shutdownSessions(srv);
      },
      ...(o.errorLimit !== undefined ? { errorLimit: o.errorLimit } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    registerChecker(s, checker);
    checkers.push(checker);
  }
  return checkers;
}
