import { hostname } from 'node:os';
import type { ProxySection } from '../config/model.js';
import type { Router } from '../runtime/router.js';
import type { TrafficCounters } from '../runtime/server.js';
import type { LocalResponse } from '../http/local-response.js';
import { DOCKLAB_VERSION } from '../../version.js';
import type { StatsModel } from './stats-config.js';
import { proxyIds } from './stats-endpoint.js';
import { serverStatusText } from './server-admin.js';

/** HAProxy 2.6's CSV columns, in order; docklab fills the ones it measures and leaves the others empty. */
const COLUMNS = [
  'pxname',
  'svname',
  'qcur',
  'qmax',
  'scur',
  'smax',
  'slim',
  'stot',
  'bin',
  'bout',
  'dreq',
  'dresp',
  'ereq',
  'econ',
  'eresp',
  'wretr',
  'wredis',
  'status',
  'weight',
  'act',
  'bck',
  'chkfail',
  'chkdown',
  'lastchg',
  'downtime',
  'qlimit',
  'pid',
  'iid',
  'sid',
  'throttle',
  'lbtot',
  'tracked',
  'type',
  'rate',
  'rate_lim',
  'rate_max',
  'check_status',
  'check_code',
  'check_duration',
  'hrsp_1xx',
  'hrsp_2xx',
  'hrsp_3xx',
  'hrsp_4xx',
  'hrsp_5xx',
  'hrsp_other',
  'hanafail',
  'req_rate',
  'req_rate_max',
  'req_tot',
  'cli_abrt',
  'srv_abrt',
  'comp_in',
  'comp_out',
  'comp_byp',
  'comp_rsp',
  'lastsess',
  'last_chk',
  'last_agt',
  'qtime',
  'ctime',
  'rtime',
  'ttime',
  'agent_status',
  'agent_code',
  'agent_duration',
  'check_desc',
  'agent_desc',
  'check_rise',
  'check_fall',
  'check_health',
  'agent_rise',
  'agent_fall',
  'agent_health',
  'addr',
  'cookie',
  'mode',
  'algo',
  'conn_rate',
  'conn_rate_max',
  'conn_tot',
  'intercepted',
  'dcon',
  'dses',
  'wrew',
  'connect',
  'reuse',
  'cache_lookups',
  'cache_hits',
  'srv_icur',
  'src_ilim',
  'qtime_max',
  'ctime_max',
  'rtime_max',
  'ttime_max',
  'eint',
  'idle_conn_cur',
  'safe_conn_cur',
  'used_conn_cur',
  'need_conn_est',
  'uweight',
  'agg_server_status',
  'agg_server_check_status',
  'agg_check_status',
] as const;

export type StatsColumn = (typeof COLUMNS)[number];
export type StatsRow = Partial<Record<StatsColumn, string | number>>;

function counterCells(c: TrafficCounters): StatsRow {
  return {
    smax: c.max,
    stot: c.total,
    bin: c.bytesIn,
    bout: c.bytesOut,
    dreq: c.denied,
    ereq: c.requestErrors,
    econ: c.failedConnects,
    eresp: c.failedResponses,
    wretr: c.retries,
    wredis: c.redispatches,
    lbtot: c.total,
    hrsp_1xx: c.byClass[1],
    hrsp_2xx: c.byClass[2],
    hrsp_3xx: c.byClass[3],
    hrsp_4xx: c.byClass[4],
    hrsp_5xx: c.byClass[5],
    hrsp_other: c.byClass[0],
  };
}

/** A TCP proxy has no HTTP responses: HAProxy leaves those cells empty. */
function tcpCells(row: StatsRow): StatsRow {
  return { ...row, mode: 'tcp', hrsp_1xx: '', hrsp_2xx: '', hrsp_3xx: '', hrsp_4xx: '', hrsp_5xx: '', hrsp_other: '' };
}

function inScope(p: ProxySection, scope: readonly string[] | undefined, self: ProxySection | undefined): boolean {
  if (!scope || scope.length === 0) return true;
  return scope.some((s) => s === p.name || (s === '.' && p === self));
}

/**
 * One row per frontend, server and backend, proxy by proxy in the order the
 * file declares them (a listen section gives its FRONTEND, servers, BACKEND).
 */
export function statsRows(router: Router, scope?: readonly string[], self?: ProxySection): StatsRow[] {
  const rows: StatsRow[] = [];
  const now = Date.now();
  const ids = proxyIds(router);
  const backendsByModel = new Map([...router.backends.values()].map((b) => [b.model, b]));
  for (const [model, iid] of ids) {
    if (!inScope(model, scope, self)) continue;
    const fe = router.frontends.find((f) => f.model === model);
    const tcp = model.settings.mode === 'tcp';
    if (fe) {
      const row: StatsRow = {
        ...counterCells(fe.counters),
        pxname: fe.name,
        svname: 'FRONTEND',
        scur: fe.connections,
        slim: fe.maxconn ?? '',
        status: 'OPEN',
        pid: process.pid,
        iid,
        sid: 0,
        type: 0,
        mode: 'http',
      };
      rows.push(tcp ? { ...tcpCells(row), lbtot: '', conn_tot: fe.counters.total } : row);
    }
    const be = backendsByModel.get(model);
    if (!be) continue;
    be.servers.forEach((s, j) => {
      (tcp ? (r: StatsRow) => rows.push(tcpCells(r)) : (r: StatsRow) => rows.push(r))({
        ...counterCells(s.counters),
        pxname: be.name,
        svname: s.name,
        qcur: 0,
        scur: s.active,
        slim: s.maxconn || '',
        status: serverStatusText(s),
        weight: s.weight,
        act: s.backup ? 0 : 1,
        bck: s.backup ? 1 : 0,
        chkfail: s.checkFailures,
        chkdown: s.downTransitions,
        lastchg: Math.round((now - s.lastChange) / 1000),
        pid: process.pid,
        iid,
        sid: j + 1,
        type: 2,
        check_status: s.checkStatus.split(',')[0] ?? '',
        mode: 'http',
        uweight: s.weight,
      });
    });
    const up = be.servers.filter((s) => s.usable());
    rows.push({
      ...counterCells(be.counters),
      pxname: be.name,
      svname: 'BACKEND',
      qcur: be.queue.length,
      scur: be.active,
      status: be.servers.length === 0 || up.length > 0 ? 'UP' : 'DOWN',
      // HAProxy's total weight: the active servers', or the backups' when no active server is up.
      weight: up.some((s) => !s.backup)
        ? up.filter((s) => !s.backup).reduce((n, s) => n + s.weight, 0)
        : up.filter((s) => s.backup).reduce((n, s) => n + s.weight, 0),
      act: up.filter((s) => !s.backup).length,
      bck: up.filter((s) => s.backup).length,
      pid: process.pid,
      iid,
      sid: 0,
      type: 1,
      mode: 'http',
      algo: be.model.settings.balance.algo,
    });
    if (tcp) rows[rows.length - 1] = { ...tcpCells(rows[rows.length - 1]!), algo: '' };
  }
  return rows;
}

function csv(rows: StatsRow[]): string {
  let out = `# ${COLUMNS.join(',')},\n`;
  for (const r of rows) out += COLUMNS.map((c) => String(r[c] ?? '')).join(',') + ',\n';
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const MESSAGES: Record<string, [string, string]> = {
  DONE: ['ok', 'The action was applied.'],
  PART: ['warn', 'The action was applied to some of the servers only.'],
  NONE: ['warn', 'No change was made.'],
  ERRP: ['err', 'The action could not be applied: a parameter is wrong.'],
  EXCD: ['err', 'The request was too large to be applied whole.'],
  DENY: ['err', 'This action is not allowed.'],
};

export interface PageOptions {
  stats?: StatsModel;
  admin?: boolean;
  self?: ProxySection;
}

function html(rows: StatsRow[], uri: string, opts: PageOptions): string {
  const stats = opts.stats;
  const base = stats?.uri ?? uri.split(';')[0]!;
  const shown = [
    'svname',
    'status',
    'weight',
    'scur',
    'smax',
    'stot',
    'bin',
    'bout',
    'econ',
    'eresp',
    'wretr',
    'wredis',
    'chkfail',
    'chkdown',
    'hrsp_2xx',
    'hrsp_3xx',
    'hrsp_4xx',
    'hrsp_5xx',
  ] as const;
  let title = stats?.hideVersion ? 'docklab proxy' : `docklab proxy version ${DOCKLAB_VERSION}`;
  let report = `Statistics report for pid ${process.pid}`;
  if (stats?.showNode !== undefined) report += ` on ${esc(stats.showNode || hostname())}`;
  if (stats?.showDesc) report += `: ${esc(stats.showDesc)}`;
  let body =
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Statistics report</title>\n' +
    '<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;padding:2px 6px}' +
    '.UP{background:#cfc}.DOWN{background:#fcc}.MAINT{background:#ccc}.DRAIN{background:#ccf}.ok{color:#070}.warn{color:#a60}.err{color:#c00}</style></head><body>\n' +
    `<h1>${esc(title)}</h1>\n<p class="report">${report}</p>\n`;
  title = '';
  const st = /;st=([A-Z]+)/.exec(uri)?.[1];
  if (st) {
    const [cls, text] = MESSAGES[st] ?? ['err', 'Unexpected result.'];
    body += `<p class="${cls}">${esc(text)} <a href="${esc(base)}">[X]</a></p>\n`;
  }
  if (stats?.showLegends) body += '<p>Legend: UP, DOWN, MAINT (maintenance), DRAIN (up, no new balanced traffic), no check.</p>\n';
  let current = '';
  let currentIid = 0;
  const close = () => {
    if (!current) return;
    body += '</table>\n';
    if (opts.admin) {
      body +=
        'Action on the checked servers: <select name="action"><option value=""></option>' +
        ['ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'shutdown'].map((a) => `<option value="${a}">${a}</option>`).join('') +
        `</select><input type="hidden" name="b" value="#${currentIid}"> <input type="submit" value="Apply"></form>\n`;
    }
  };
  for (const r of rows) {
    if (r.pxname !== current) {
      close();
      current = String(r.pxname);
      currentIid = Number(r.iid);
      body += `<h2>${esc(current)}</h2>\n${opts.admin ? '<form method="post">' : ''}<table><tr>${opts.admin ? '<th></th>' : ''}${shown.map((c) => `<th>${c}</th>`).join('')}</tr>\n`;
    }
    const box = opts.admin ? (r.type === 2 ? `<td><input type="checkbox" name="s" value="${esc(String(r.svname))}"></td>` : '<td></td>') : '';
    body += `<tr class="${esc(String(r.status ?? ''))}">${box}${shown.map((c) => `<td>${esc(String(r[c] ?? ''))}</td>`).join('')}</tr>\n`;
  }
  close();
  body += `<p><a href="${esc(base)};csv">CSV export</a></p>\n`;
  return body + '</body></html>\n';
}

/** The stats page: CSV when the URI carries `;csv`, HTML otherwise; `Refresh` unless `;norefresh`. */
export function renderStats(router: Router, uri: string, opts: PageOptions = {}): LocalResponse {
  const rows = statsRows(router, opts.stats?.scope, opts.self);
  const refresh: [string, string][] =
    opts.stats?.refreshSeconds !== undefined && !uri.includes(';norefresh') ? [['refresh', String(opts.stats.refreshSeconds)]] : [];
  if (uri.includes(';csv')) return { status: 200, headers: [['cache-control', 'no-cache'], ['content-type', 'text/plain'], ...refresh], body: csv(rows) };
  return { status: 200, headers: [['cache-control', 'no-cache'], ['content-type', 'text/html'], ...refresh], body: html(rows, uri, opts) };
}
