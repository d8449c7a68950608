import type { ConditionModel, Loc, ProxySection } from '../config/model.js';
import { referenceError, syntaxError } from '../config/config-errors.js';
import { PREDEFINED_ACLS } from '../acl/predefined-acls.js';
import { splitCondition } from '../acl/acl-parser.js';
import { parseTime } from '../config/time-units.js';

/** HAProxy's defaults when a section turns statistics on. */
export const DEFAULT_STATS_URI = '/haproxy?stats';
export const DEFAULT_STATS_REALM = 'HAProxy Statistics';

/** The `stats …` lines of one section (or of a defaults section, which proxies inherit until they write their own). */
export interface StatsModel {
  uri: string;
  realm?: string;
  /** `stats auth USER:PASS` accounts; none means no authentication. */
  users: { user: string; pass: string }[];
  /** `stats admin if|unless COND`, tried in order. */
  admin: ConditionModel[];
  /** `stats http-request allow|deny|auth [realm R] [if|unless COND]`, tried in order (exclusive with auth/realm). */
  rules: StatsRule[];
  refreshSeconds?: number;
  hideVersion: boolean;
  showLegends: boolean;
  showNode?: string;
  showDesc?: string;
  /** `stats scope NAME`: only these proxies are listed (all when empty). */
  scope: string[];
  loc: Loc;
}

export interface StatsRule {
  kind: 'allow' | 'deny' | 'auth';
  realm?: string;
  cond?: ConditionModel;
}

export function freshStats(at: Loc): StatsModel {
  return { uri: DEFAULT_STATS_URI, users: [], admin: [], rules: [], hideVersion: false, showLegends: false, scope: [], loc: at };
}

function checkExclusive(stats: StatsModel, at: Loc): void {
  if (stats.rules.length > 0 && (stats.users.length > 0 || stats.realm !== undefined)) {
    throw syntaxError(
      at,
      `stats 'auth'/'realm' and 'http-request' can't be used at the same time; write the authentication as 'stats http-request auth' rules`,
    );
  }
}

/**
 * Applies one `stats` line. Every form turns statistics on for the section
 * (HAProxy's `stats auth`, `stats realm`… all imply `stats enable`).
 */
export function applyStatsLine(stats: StatsModel, words: readonly string[], at: Loc): void {
  const sub = words[1];
  const arg = words[2];
  const needArg = (what: string) => {
    if (arg === undefined || arg === '') throw syntaxError(at, `'stats ${sub}' needs ${what}`);
    return arg;
  };
  switch (sub) {
    case 'enable':
      return;
    case 'uri':
      stats.uri = needArg('a path, e.g. /stats');
      return;
    case 'realm':
      stats.realm = needArg('a realm name');
      checkExclusive(stats, at);
      return;
    case 'auth': {
      const v = needArg('USER:PASSWORD');
      const colon = v.indexOf(':');
      if (colon < 0) throw syntaxError(at, `'stats auth' needs USER:PASSWORD, got '${v}'`);
      stats.users.push({ user: v.slice(0, colon), pass: v.slice(colon + 1) });
      checkExclusive(stats, at);
      return;
    }
    case 'admin': {
      const { args, cond } = splitCondition(words, 2, at);
      if (!cond || args.length > 0) throw syntaxError(at, `'stats admin' needs a condition: 'stats admin if COND' or 'stats admin unless COND'`);
      stats.admin.push(cond);
      return;
    }
    case 'refresh': {
      const ms = parseTime(needArg('a delay, e.g. 10s'));
      if (ms === null) throw syntaxError(at, `'stats refresh' needs a delay such as 10s, got '${arg}'`);
      stats.refreshSeconds = Math.floor(ms / 1000);
      return;
    }
    case 'hide-version':
      stats.hideVersion = true;
      return;
    case 'show-legends':
      stats.showLegends = true;
      return;
    case 'show-node':
      stats.showNode = arg ?? '';
      return;
    case 'show-desc':
      stats.showDesc = words.slice(2).join(' ');
      return;
    case 'scope':
      stats.scope.push(needArg("a proxy name or '.'"));
      return;
    case 'http-request': {
      const { args, cond } = splitCondition(words, 3, at);
      const kind = words[2];
      if (kind !== 'allow' && kind !== 'deny' && kind !== 'auth')
        throw syntaxError(at, `'stats http-request' expects allow, deny or auth, got '${kind ?? ''}'`);
      const rule: StatsRule = { kind };
      if (kind === 'auth' && args[0] === 'realm') {
        if (args[1] === undefined) throw syntaxError(at, `'stats http-request auth realm' needs a realm name`);
        rule.realm = args[1];
        args.splice(0, 2);
      }
      if (args.length > 0) throw syntaxError(at, `unexpected '${args.join(' ')}' in 'stats http-request ${kind}'`);
      if (cond) rule.cond = cond;
      stats.rules.push(rule);
      checkExclusive(stats, at);
      return;
    }
    case 'show-modules':
      throw syntaxError(at, `unknown stats parameter 'show-modules' in HAProxy 2.6`);
  }
  throw syntaxError(
    at,
    `unknown stats parameter '${sub ?? ''}'; expected enable, uri, realm, auth, admin, refresh, scope, hide-version, show-node, show-desc or show-legends`,
  );
}

/** Refuses `stats admin` / `stats http-request` conditions naming ACLs the section does not declare (so far). */
export function checkStatsAcls(proxies: readonly ProxySection[]): void {
  for (const p of proxies) {
    const stats = p.stats;
    if (!stats) continue;
    const names = new Set(p.acls.map((a) => a.name));
    const conds = [...stats.admin, ...stats.rules.flatMap((r) => (r.cond ? [r.cond] : []))];
    for (const c of conds)
      for (const g of c.groups)
        for (const t of g) {
          if (t.name && !names.has(t.name) && !PREDEFINED_ACLS.has(t.name)) {
            throw referenceError(c.loc, `ACL '${t.name}' is not declared in ${p.kind} '${p.name}'; add 'acl ${t.name} …' or fix the name`);
          }
        }
  }
}
