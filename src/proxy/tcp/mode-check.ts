import type { AclDefinition, ConditionModel, Loc, ProxySection } from '../config/model.js';
import { referenceError, syntaxError, unsupportedError } from '../config/config-errors.js';
import { PREDEFINED_ACLS } from '../acl/predefined-acls.js';
import { lookupFetch } from '../sample/sample-registry.js';
import type { FetchLayer } from '../sample/sample-types.js';
import { tcpRuleSide, type TcpRuleList } from './tcp-rules.js';

type Warn = (at: Loc, message: string) => void;

/** Layers each rule list may read: what exists at that moment of a TCP connection. */
const TCP_LAYERS: Record<TcpRuleList | 'switching', readonly FetchLayer[]> = {
  connection: ['internal', 'l4'],
  session: ['internal', 'l4', 'l5'],
  content: ['internal', 'l4', 'l5', 'l6'],
  response: ['internal', 'l4', 'l5', 'l6'],
  switching: ['internal', 'l4', 'l5', 'l6'],
};

/**
 * The checks that depend on `mode`, run once the whole file is read: an HTTP
 * frontend cannot use a TCP backend (HAProxy refuses it; the reverse is an
 * upgrade to HTTP); HTTP-only keywords
 * in TCP sections are ignored with HAProxy's warnings; a fetch that reads
 * more than exists when a rule runs gets HAProxy's "never matches" warning.
 */
export function checkModes(frontends: readonly ProxySection[], backends: readonly ProxySection[], warn: Warn): void {
  const byName = new Map(backends.map((b) => [b.name, b]));
  for (const fe of frontends) {
    const targets: { name: string; loc: Loc; how: string }[] = [];
    if (fe.settings.defaultBackend) targets.push({ ...fe.settings.defaultBackend, how: 'as its default backend' });
    for (const ub of fe.useBackends) if (!ub.dynamic) targets.push({ name: ub.backend, loc: ub.loc, how: 'in a use_backend rule' });
    for (const t of targets) {
      const be = byName.get(t.name);
      if (!be || be === fe) continue;
      if (fe.settings.mode === 'http' && be.settings.mode === 'tcp') {
        throw referenceError(
          t.loc,
          `http ${fe.kind} '${fe.name}' tries to use incompatible tcp backend '${be.name}' (line ${be.loc.line}) ${t.how}; give both the same 'mode'`,
        );
      }
      // A tcp frontend may use an http backend: the connection is upgraded to HTTP there (TcpSession).
    }
  }
  for (const p of new Set([...frontends, ...backends])) {
    checkPortlessServers(p);
    if (p.settings.mode === 'tcp') checkTcpSection(p, warn);
    else
      for (const r of p.tcpRules ?? []) {
        if (r.list === 'response')
          throw unsupportedError(
            r.loc,
            `'tcp-response content' in http ${p.kind} '${p.name}' is not supported: docklab runs response content rules in 'mode tcp' only`,
          );
        checkLayers(
          p,
          r.cond,
          r.loc,
          r.list === 'content' ? ['internal', 'l4', 'l5', 'l6', 'l7req'] : TCP_LAYERS[r.list],
          `tcp-request ${r.list}`,
          'http',
          warn,
        );
      }
  }
}

function checkTcpSection(p: ProxySection, warn: Warn): void {
  if (p.requestRules.length > 0) warn(p.requestRules[0]!.loc, `'http-request' rules ignored for ${p.kind} '${p.name}' as they require HTTP mode`);
  if (p.responseRules.length > 0) warn(p.responseRules[0]!.loc, `'http-response' rules ignored for ${p.kind} '${p.name}' as they require HTTP mode`);
  p.requestRules = [];
  p.responseRules = [];
  if (p.settings.httplog) {
    warn(p.loc, `'option httplog' not usable with ${p.kind} '${p.name}' (needs 'mode http'); falling back to 'option tcplog'`);
    p.settings = { ...p.settings, httplog: false, tcplog: true };
  }
  if (p.settings.forwardfor) {
    warn(p.loc, `'option forwardfor' ignored for ${p.kind} '${p.name}' as it requires HTTP mode`);
    const { forwardfor: _dropped, ...rest } = p.settings;
    p.settings = rest;
  }
  if (p.stats) {
    warn(p.stats.loc, `'stats' statement ignored for ${p.kind} '${p.name}' as it requires HTTP mode`);
    delete p.stats;
  }
  if (p.settings.cookie && p.kind !== 'frontend') {
    warn(p.settings.cookie.loc, `cookie will be ignored for ${p.kind} '${p.name}' (needs 'mode http')`);
    const { cookie: _dropped, ...rest } = p.settings;
    p.settings = rest;
  }
  for (const r of p.tcpRules ?? []) checkLayers(p, r.cond, r.loc, TCP_LAYERS[r.list], tcpRuleSide(r.list), 'tcp', warn);
  for (const ub of p.useBackends) checkLayers(p, ub.cond, ub.loc, TCP_LAYERS.switching, 'use_backend', 'tcp', warn);
}

/**
 * HTTP fetches in TCP mode are refused (HAProxy would parse HTTP there; docklab
 * does not). A fetch of a layer not yet known when the rule runs is what
 * HAProxy warns about: the ACL then never matches, here as there.
 */
function checkLayers(
  p: ProxySection,
  cond: ConditionModel | undefined,
  loc: Loc,
  allowed: readonly FetchLayer[],
  where: string,
  mode: 'tcp' | 'http',
  warn: Warn,
): void {
  for (const def of conditionAcls(p, cond)) {
    const fetch = def.expr?.fetch ?? lookupFetch(def.fetch);
    if (!fetch || allowed.includes(fetch.layer)) continue;
    // HTTP fetches in TCP content rules read a request head from the buffered bytes, as HAProxy's do.
    if (mode === 'tcp' && (fetch.layer === 'l7req' || fetch.layer === 'l7res') && allowed.includes('l6')) continue;
    warn(loc, `acl '${def.name}' will never match in '${where}' because it uses keyword '${fetch.name}' which is incompatible with '${p.kind} ${where} rule'`);
  }
}

function conditionAcls(p: ProxySection, cond: ConditionModel | undefined): AclDefinition[] {
  const out: AclDefinition[] = [];
  for (const g of cond?.groups ?? [])
    for (const t of g) {
      if (t.anonymous) out.push(t.anonymous);
      else if (t.name) {
        const named = p.acls.filter((a) => a.name === t.name);
        if (named.length) out.push(...named);
        else {
          const pre = PREDEFINED_ACLS.get(t.name);
          if (pre) out.push(pre);
        }
      }
    }
  return out;
}

/**
 * A server written without a port takes the port the client connected to.
 * docklab does that in TCP mode only; such a server's health check needs
 * `port N` (HAProxy refuses the file otherwise).
 */
function checkPortlessServers(p: ProxySection): void {
  for (const s of p.servers) {
    if (s.port !== 0) continue;
    if (p.settings.mode === 'http')
      throw unsupportedError(s.loc, `server '${s.name}' has no port; in 'mode http' docklab does not reuse the port the client connected to: write HOST:PORT`);
    if (s.options.check && !s.options.port)
      throw syntaxError(s.loc, `${p.kind} '${p.name}': server '${s.name}' has neither service port nor check port; add 'port N' for its health check`);
  }
}
