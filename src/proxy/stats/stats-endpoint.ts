import type { ProxySection } from '../config/model.js';
import type { Router } from '../runtime/router.js';
import type { Server } from '../runtime/server.js';
import type { SampleSource } from '../acl/sample-source.js';
import { AclCondition, compileNamedAcls, type Acl } from '../acl/acl-condition.js';
import { errorResponse, type LocalResponse } from '../http/local-response.js';
import { parseAuthorization } from '../auth/basic-credentials.js';
import { DEFAULT_STATS_REALM, type StatsModel } from './stats-config.js';
import { processAdminForm, type AdminStatus } from './admin-form.js';
import { applyAdminAction } from './server-admin.js';
import { renderStats } from './stats-page.js';
import { unauthorizedResponse } from '../auth/auth-response.js';

/** The statistics a section serves: its own `stats` lines, else those of its defaults section. */
export function effectiveStats(section: ProxySection): StatsModel | undefined {
  return section.stats ?? section.settings.stats;
}

/** What the stats URI answers: at once, or once the request body (the admin form) has arrived. */
export type StatsAnswer = { readonly response: LocalResponse } | { readonly withBody: (body: Buffer) => LocalResponse };

interface CompiledStats {
  admin: AclCondition[];
  rules: (AclCondition | undefined)[];
}

const compiled = new WeakMap<StatsModel, CompiledStats>();

function conditions(stats: StatsModel, section: ProxySection, acls: ReadonlyMap<string, Acl> | undefined): CompiledStats {
  let c = compiled.get(stats);
  if (!c) {
    const named = acls ?? compileNamedAcls(section.acls);
    c = {
      admin: stats.admin.map((m) => AclCondition.compile(m, named)),
      rules: stats.rules.map((r) => (r.cond ? AclCondition.compile(r.cond, named) : undefined)),
    };
    compiled.set(stats, c);
  }
  return c;
}

/** True when the request path is under the stats URI (HAProxy compares the URI's beginning). */
export function isStatsRequest(stats: StatsModel, req: SampleSource): boolean {
  return req.uri.startsWith(stats.uri);
}

function redirect(location: string): LocalResponse {
  return {
    status: 303,
    headers: [
      ['cache-control', 'no-cache'],
      ['content-type', 'text/plain'],
      ['location', location],
    ],
    body: '',
  };
}

/**
 * Serves the stats URI of `section`: the Basic challenge when `stats auth`
 * accounts exist, the page (HTML or `;csv`) for other methods, and for POST
 * the admin form when `stats admin` allows it, answered with a 303 back to
 * the page carrying `;st=CODE` as HAProxy does.
 */
export function answerStats(
  router: Router,
  section: ProxySection,
  stats: StatsModel,
  acls: ReadonlyMap<string, Acl> | undefined,
  req: SampleSource,
): StatsAnswer {
  const conds = conditions(stats, section, acls);
  for (let i = 0; i < stats.rules.length; i++) {
    const cond = conds.rules[i];
    if (cond && !cond.test(req)) continue;
    const rule = stats.rules[i]!;
    if (rule.kind === 'deny') return { response: errorResponse(403) };
    if (rule.kind === 'auth') return { response: unauthorizedResponse(rule.realm ?? stats.realm ?? DEFAULT_STATS_REALM) };
    break;
  }
  if (stats.users.length > 0) {
    const cred = parseAuthorization(req.headers);
    const ok = cred?.user !== undefined && stats.users.some((u) => u.user === cred.user && u.pass === cred.pass);
    if (!ok) return { response: unauthorizedResponse(stats.realm ?? DEFAULT_STATS_REALM) };
  }
  const admin = conds.admin.some((c) => c.test(req));
  if (req.method === 'POST') {
    if (!admin) return { response: redirect(`${stats.uri};st=DENY`) };
    return { withBody: (body) => redirect(`${stats.uri};st=${applyForm(router, body.toString('latin1'))}`) };
  }
  return { response: renderStats(router, req.uri, { stats, admin, self: section }) };
}

function applyForm(router: Router, body: string): AdminStatus {
  const backends = [...router.backends.values()];
  const ids = proxyIds(router);
  return processAdminForm<Server>(body, {
    findBackend: (key) => {
      const be = key.startsWith('#') ? backends.find((b) => ids.get(b.model) === Number(key.slice(1))) : router.backends.get(key);
      return be ? { findServer: (n) => be.servers.find((s) => s.name === n) } : undefined;
    },
    apply: (s, action) => applyAdminAction(s, action),
  });
}

/** HAProxy numbers proxies in the order the file declares them, from 1. */
export function proxyIds(router: Router): Map<ProxySection, number> {
  const all = [...new Set([...router.config.frontends, ...router.config.backends])].sort((a, b) =>
    a.loc.file === b.loc.file ? a.loc.line - b.loc.line : a.loc.file < b.loc.file ? -1 : 1,
  );
  return new Map(all.map((p, i) => [p, i + 1]));
}

/** A stats answer for the router: `withBody` is set when the answer needs the request body (admin POST). */
export interface StatsRoute {
  response: LocalResponse;
  withBody?: (body: Buffer) => LocalResponse;
}

/** The stats answer when `req` is for this section's stats URI, else null. */
export function statsRoute(router: Router, section: ProxySection, acls: ReadonlyMap<string, Acl> | undefined, req: SampleSource): StatsRoute | null {
  const stats = effectiveStats(section);
  if (!stats || !isStatsRequest(stats, req)) return null;
  const a = answerStats(router, section, stats, acls, req);
  if ('response' in a) return { response: a.response };
  return { response: a.withBody(Buffer.alloc(0)), withBody: a.withBody };
}
