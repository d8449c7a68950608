import type { Router } from '../runtime/router.js';
import type { TrafficCounters } from '../runtime/server.js';
import type { LocalResponse } from '../http/local-response.js';

const COLUMNS = [
  'pxname', 'svname', 'qcur', 'qmax', 'scur', 'smax', 'slim', 'stot', 'bin', 'bout', 'dreq', 'dresp', 'ereq', 'econ',
  'eresp', 'wretr', 'wredis', 'status', 'weight', 'act', 'bck', 'chkfail', 'chkdown', 'lastchg', 'downtime', 'qlimit',
  'pid', 'iid', 'sid', 'throttle', 'lbtot', 'tracked', 'type', 'rate', 'rate_lim', 'rate_max', 'check_status',
  'check_code', 'check_duration', 'hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other',
] as const;

type Row = Partial<Record<(typeof COLUMNS)[number], string | number>>;

function counterCells(c: TrafficCounters): Row {
  return {
    smax: c.max, stot: c.total, bin: c.bytesIn, bout: c.bytesOut, dreq: c.denied, ereq: c.requestErrors,
    econ: c.failedConnects, eresp: c.failedResponses, wretr: c.retries, wredis: c.redispatches, lbtot: c.total,
    hrsp_1xx: c.byClass[1], hrsp_2xx: c.byClass[2], hrsp_3xx: c.byClass[3], hrsp_4xx: c.byClass[4], hrsp_5xx: c.byClass[5], hrsp_other: c.byClass[0],
  };
}

/** One row per frontend, per server and per backend, in HAProxy's CSV column order (a leading subset). */
export function statsRows(router: Router): Row[] {
  const rows: Row[] = [];
  const now = Date.now();
  router.frontends.forEach((fe, i) => {
    rows.push({ ...counterCells(fe.counters), pxname: fe.name, svname: 'FRONTEND', scur: fe.connections, slim: fe.maxconn ?? '', status: 'OPEN', pid: process.pid, iid: i + 1, sid: 0, type: 0 });
  });
  let iid = router.frontends.length;
  for (const be of router.backends.values()) {
    iid++;
    be.servers.forEach((s, j) => {
      rows.push({
        ...counterCells(s.counters), pxname: be.name, svname: s.name, qcur: 0, scur: s.active, slim: s.maxconn || '',
        status: s.state === 'MAINT' ? 'MAINT' : s.model.options.check ? s.state : 'no check', weight: s.weight,
        act: s.backup ? 0 : 1, bck: s.backup ? 1 : 0, chkfail: s.checkFailures, chkdown: s.downTransitions,
        lastchg: Math.round((now - s.lastChange) / 1000), pid: process.pid, iid, sid: j + 1, type: 2,
        check_status: s.checkStatus.split(',')[0] ?? '',
      });
    });
    const up = be.servers.filter((s) => s.usable());
    rows.push({
      ...counterCells(be.counters), pxname: be.name, svname: 'BACKEND', qcur: be.queue.length, scur: be.active,
      status: be.servers.length === 0 || up.length > 0 ? 'UP' : 'DOWN',
      weight: up.filter((s) => !s.backup).reduce((n, s) => n + s.weight, 0),
      act: up.filter((s) => !s.backup).length, bck: up.filter((s) => s.backup).length,
      pid: process.pid, iid, sid: 0, type: 1,
    });
  }
  return rows;
}

function csv(rows: Row[]): string {
  let out = `# ${COLUMNS.join(',')},\n`;
  for (const r of rows) out += COLUMNS.map((c) => String(r[c] ?? '')).join(',') + ',\n';
  return out;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function html(rows: Row[]): string {
  const shown = ['svname', 'status', 'weight', 'scur', 'smax', 'stot', 'bin', 'bout', 'econ', 'eresp', 'wretr', 'wredis', 'chkfail', 'chkdown', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx'] as const;
  let body = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>docklab proxy statistics</title>\n'
    + '<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;padding:2px 6px}'
    + '.UP{background:#cfc}.DOWN{background:#fcc}.MAINT{background:#ccc}</style></head><body>\n<h1>docklab proxy statistics</h1>\n';
  let current = '';
  for (const r of rows) {
    if (r.pxname !== current) {
      if (current) body += '</table>\n';
      current = String(r.pxname);
      body += `<h2>${esc(current)}</h2>\n<table><tr>${shown.map((c) => `<th>${c}</th>`).join('')}</tr>\n`;
    }
    body += `<tr class="${esc(String(r.status ?? ''))}">${shown.map((c) => `<td>${esc(String(r[c] ?? ''))}</td>`).join('')}</tr>\n`;
  }
  if (current) body += '</table>\n';
  return body + '</body></html>\n';
}

/** The stats page: CSV when the URI ends with `;csv`, HTML otherwise. */
export function renderStats(router: Router, uri: string): LocalResponse {
  const rows = statsRows(router);
  if (/;csv(;norefresh)?$/.test(uri)) return { status: 200, headers: [['content-type', 'text/plain'], ['cache-control', 'no-cache']], body: csv(rows) };
  return { status: 200, headers: [['content-type', 'text/html'], ['cache-control', 'no-cache']], body: html(rows) };
}
