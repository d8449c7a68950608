import type { Router } from '../runtime/router.js';
import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';
import type { Server } from '../runtime/server.js';
import type { LocalResponse } from '../http/local-response.js';
import { queryOf } from '../acl/sample-source.js';
import { DOCKLAB_VERSION } from '../../version.js';
import { serverStatusText } from '../stats/server-admin.js';

/**
 * The Prometheus exporter service (`http-request use-service
 * prometheus-exporter`): the metric families HAProxy 2.6's exporter
 * publishes, with its names, types and labels. Values docklab does not
 * measure are 0 (or NaN where HAProxy means "no limit").
 *
 * Each family is `name/type[:labels]`: type g (gauge) or c (counter); labels
 * `state` (UP/DOWN), `srvstate` (server states), `check` (check results),
 * `code` (response classes), `version`.
 */
const FAMILIES = {
  process:
    'nbthread/g nbproc/g relative_process_id/g uptime_seconds/g pool_failures_total/c max_fds/g max_sockets/g max_connections/g hard_max_connections/g current_connections/g connections_total/c requests_total/c max_ssl_connections/g current_ssl_connections/g ssl_connections_total/c max_pipes/g pipes_used_total/c pipes_free_total/c current_connection_rate/g limit_connection_rate/g max_connection_rate/g current_session_rate/g limit_session_rate/g max_session_rate/g current_ssl_rate/g limit_ssl_rate/g max_ssl_rate/g current_frontend_ssl_key_rate/g max_frontend_ssl_key_rate/g frontend_ssl_reuse/g current_backend_ssl_key_rate/g max_backend_ssl_key_rate/g ssl_cache_lookups_total/c ssl_cache_misses_total/c http_comp_bytes_in_total/c http_comp_bytes_out_total/c limit_http_comp/g current_zlib_memory/g max_zlib_memory/g current_tasks/g current_run_queue/g idle_time_percent/g stopping/g jobs/g unstoppable_jobs/g listeners/g active_peers/g connected_peers/g dropped_logs_total/c busy_polling_enabled/g failed_resolutions/c bytes_out_total/c spliced_bytes_out_total/c bytes_out_rate/g recv_logs_total/c build_info/g:version max_memory_bytes/g pool_allocated_bytes/g pool_used_bytes/g start_time_seconds/g',
  frontend:
    'current_sessions/g max_sessions/g limit_sessions/g sessions_total/c bytes_in_total/c bytes_out_total/c requests_denied_total/c responses_denied_total/c request_errors_total/c status/g:state limit_session_rate/g max_session_rate/g http_responses_total/c:code http_requests_rate_max/g http_requests_total/c http_comp_bytes_in_total/c http_comp_bytes_out_total/c http_comp_bytes_bypassed_total/c http_comp_responses_total/c connections_rate_max/g connections_total/c intercepted_requests_total/c denied_connections_total/c denied_sessions_total/c failed_header_rewriting_total/c http_cache_lookups_total/c http_cache_hits_total/c internal_errors_total/c',
  backend:
    'current_queue/g max_queue/g current_sessions/g max_sessions/g limit_sessions/g sessions_total/c bytes_in_total/c bytes_out_total/c requests_denied_total/c responses_denied_total/c connection_errors_total/c response_errors_total/c retry_warnings_total/c redispatch_warnings_total/c status/g:state weight/g active_servers/g backup_servers/g check_up_down_total/c check_last_change_seconds/g downtime_seconds_total/c loadbalanced_total/c max_session_rate/g http_responses_total/c:code http_requests_total/c client_aborts_total/c server_aborts_total/c http_comp_bytes_in_total/c http_comp_bytes_out_total/c http_comp_bytes_bypassed_total/c http_comp_responses_total/c last_session_seconds/g queue_time_average_seconds/g connect_time_average_seconds/g response_time_average_seconds/g total_time_average_seconds/g failed_header_rewriting_total/c connection_attempts_total/c connection_reuses_total/c http_cache_lookups_total/c http_cache_hits_total/c max_queue_time_seconds/g max_connect_time_seconds/g max_response_time_seconds/g max_total_time_seconds/g internal_errors_total/c uweight/g agg_server_status/g:srvstate agg_server_check_status/g:srvstate agg_check_status/g:check',
  server:
    'current_queue/g max_queue/g current_sessions/g max_sessions/g limit_sessions/g sessions_total/c bytes_in_total/c bytes_out_total/c responses_denied_total/c connection_errors_total/c response_errors_total/c retry_warnings_total/c redispatch_warnings_total/c status/g:srvstate weight/g check_failures_total/c check_up_down_total/c check_last_change_seconds/g downtime_seconds_total/c queue_limit/g current_throttle/g loadbalanced_total/c max_session_rate/g check_status/g:check check_code/g check_duration_seconds/g http_responses_total/c:code client_aborts_total/c server_aborts_total/c last_session_seconds/g queue_time_average_seconds/g connect_time_average_seconds/g response_time_average_seconds/g total_time_average_seconds/g failed_header_rewriting_total/c connection_attempts_total/c connection_reuses_total/c idle_connections_current/g idle_connections_limit/g max_queue_time_seconds/g max_connect_time_seconds/g max_response_time_seconds/g max_total_time_seconds/g internal_errors_total/c unsafe_idle_connections_current/g safe_idle_connections_current/g used_connections_current/g need_connections_current/g uweight/g',
} as const;

type Scope = keyof typeof FAMILIES;

const LABEL_VALUES: Record<string, readonly string[]> = {
  state: ['DOWN', 'UP'],
  srvstate: ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'],
  check: [
    'HANA',
    'SOCKERR',
    'L4OK',
    'L4TOUT',
    'L4CON',
    'L6OK',
    'L6TOUT',
    'L6RSP',
    'L7TOUT',
    'L7RSP',
    'L7OK',
    'L7OKC',
    'L7STS',
    'PROCERR',
    'PROCTOUT',
    'PROCOK',
  ],
  code: ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'],
};

/** Server families HAProxy emits only for servers with health checks. */
const CHECK_ONLY = new Set(['check_status', 'check_code', 'check_duration_seconds']);
/** Server families that are NaN without health checks. */
const NAN_WITHOUT_CHECK = new Set(['check_failures_total', 'check_up_down_total', 'downtime_seconds_total']);

const startedAt = Date.now();

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  label?: string;
}

function families(scope: Scope): Family[] {
  return FAMILIES[scope].split(' ').map((spec) => {
    const [nameType, label] = spec.split(':') as [string, string | undefined];
    const [name, t] = nameType.split('/') as [string, string];
    return label ? { name, type: t === 'c' ? 'counter' : 'gauge', label } : { name, type: t === 'c' ? 'counter' : 'gauge' };
  });
}

/** Help text made from the metric name (the exporter's own wording is not reproduced). */
function helpOf(scope: Scope, name: string): string {
  const words = name.replace(/_total$/, '').replace(/_/g, ' ');
  return `${scope === 'process' ? 'Process' : scope[0]!.toUpperCase() + scope.slice(1)} ${words}${name.endsWith('_total') ? ' (cumulative)' : ''}`;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : String(v));

type Labels = [string, string][];
type Value = number | ((labelValue: string) => number);

function byClass(c: { byClass: number[] }): (code: string) => number {
  return (code) => c.byClass[code === 'other' ? 0 : Number(code[0])] ?? 0;
}

function frontendValue(fe: Frontend, name: string): Value {
  const c = fe.counters;
  switch (name) {
    case 'current_sessions':
      return fe.connections;
    case 'max_sessions':
      return c.max;
    case 'limit_sessions':
      return fe.maxconn ?? 0;
    case 'sessions_total':
    case 'connections_total':
    case 'http_requests_total':
      return c.total;
    case 'bytes_in_total':
      return c.bytesIn;
    case 'bytes_out_total':
      return c.bytesOut;
    case 'requests_denied_total':
      return c.denied;
    case 'request_errors_total':
      return c.requestErrors;
    case 'status':
      return (s) => (s === 'UP' ? 1 : 0);
    case 'http_responses_total':
      return byClass(c);
  }
  return 0;
}

function serverState(s: Server): string {
  const t = serverStatusText(s);
  return t === 'no check' ? 'UP' : t;
}

function backendValue(be: Backend, name: string): Value {
  const c = be.counters;
  const up = be.servers.filter((s) => s.usable());
  switch (name) {
    case 'current_queue':
      return be.queue.length;
    case 'current_sessions':
      return be.active;
    case 'max_sessions':
      return c.max;
    case 'sessions_total':
    case 'loadbalanced_total':
    case 'http_requests_total':
      return c.total;
    case 'bytes_in_total':
      return c.bytesIn;
    case 'bytes_out_total':
      return c.bytesOut;
    case 'requests_denied_total':
      return c.denied;
    case 'connection_errors_total':
      return c.failedConnects;
    case 'response_errors_total':
      return c.failedResponses;
    case 'retry_warnings_total':
      return c.retries;
    case 'redispatch_warnings_total':
      return c.redispatches;
    case 'status':
      return (s) => ((be.servers.length === 0 || up.length > 0) === (s === 'UP') ? 1 : 0);
    case 'weight':
    case 'uweight':
      return up.filter((s) => !s.backup).reduce((n, s) => n + s.weight, 0);
    case 'active_servers':
      return up.filter((s) => !s.backup).length;
    case 'backup_servers':
      return up.filter((s) => s.backup).length;
    case 'http_responses_total':
      return byClass(c);
    case 'agg_server_status':
    case 'agg_server_check_status':
      return (st) => be.servers.filter((s) => serverState(s) === st).length;
    case 'agg_check_status':
      return (st) => be.servers.filter((s) => s.model.options.check && checkCode(s) === st).length;
  }
  return 0;
}

function checkCode(s: Server): string {
  const code = s.checkStatus.split(',')[0] ?? '';
  return code.replace(/^\*/, '');
}

function serverValue(s: Server, name: string): Value {
  const c = s.counters;
  const checked = s.model.options.check === true;
  if (!checked && NAN_WITHOUT_CHECK.has(name)) return NaN;
  switch (name) {
    case 'current_sessions':
      return s.active;
    case 'max_sessions':
      return c.max;
    case 'limit_sessions':
      return s.maxconn || NaN;
    case 'sessions_total':
    case 'loadbalanced_total':
      return c.total;
    case 'bytes_in_total':
      return c.bytesIn;
    case 'bytes_out_total':
      return c.bytesOut;
    case 'connection_errors_total':
      return c.failedConnects;
    case 'response_errors_total':
      return c.failedResponses;
    case 'retry_warnings_total':
      return c.retries;
    case 'redispatch_warnings_total':
      return c.redispatches;
    case 'status':
      return (st) => (serverState(s) === st ? 1 : 0);
    case 'weight':
    case 'uweight':
      return s.weight;
    case 'check_failures_total':
      return s.checkFailures;
    case 'check_up_down_total':
      return s.downTransitions;
    case 'check_last_change_seconds':
      return Math.round((Date.now() - s.lastChange) / 1000);
    case 'queue_limit':
    case 'current_throttle':
    case 'idle_connections_limit':
      return NaN;
    case 'check_status':
      return (st) => (checkCode(s) === st ? 1 : 0);
    case 'http_responses_total':
      return byClass(c);
  }
  return 0;
}

function processValue(router: Router, name: string): Value {
  let conns = 0;
  for (const f of router.frontends) conns += f.connections;
  switch (name) {
    case 'nbthread':
    case 'nbproc':
    case 'relative_process_id':
      return 1;
    case 'uptime_seconds':
      return Math.floor((Date.now() - startedAt) / 1000);
    case 'max_connections':
    case 'hard_max_connections':
      return router.config.global.maxconn ?? 0;
    case 'current_connections':
    case 'jobs':
      return conns;
    case 'connections_total':
    case 'requests_total':
      return router.frontends.reduce((n, f) => n + f.counters.total, 0);
    case 'current_zlib_memory':
    case 'max_zlib_memory':
      return NaN;
    case 'listeners':
      return router.frontends.reduce((n, f) => n + f.binds.length, 0);
    case 'build_info':
      return 1;
    case 'start_time_seconds':
      return Math.floor(startedAt / 1000);
    case 'idle_time_percent':
      return 100;
  }
  return 0;
}

function writeFamily(out: string[], scope: Scope, f: Family, rows: { labels: Labels; value: Value }[]): void {
  const full = `haproxy_${scope}_${f.name}`;
  if (rows.length === 0) return;
  out.push(`# HELP ${full} ${helpOf(scope, f.name)}`, `# TYPE ${full} ${f.type}`);
  const values = f.label && f.label !== 'version' ? LABEL_VALUES[f.label]! : [''];
  const key = f.label === 'srvstate' || f.label === 'check' ? 'state' : f.label;
  for (const lv of values) {
    for (const r of rows) {
      const labels: Labels = key && lv ? [...r.labels, [key, lv]] : r.labels;
      const v = typeof r.value === 'function' ? r.value(lv) : r.value;
      const text = labels.length ? `{${labels.map(([k, x]) => `${k}="${esc(x)}"`).join(',')}}` : '';
      out.push(`${full}${text} ${fmt(v)}`);
    }
  }
}

/** Which scopes `?scope=…` asks for (all when none is given); `global` is the process. */
function wantedScopes(uri: string): Set<Scope> {
  const q = queryOf(uri);
  const asked = (q ?? '')
    .split('&')
    .filter((p) => p.startsWith('scope='))
    .map((p) => decodeURIComponent(p.slice(6)));
  if (asked.length === 0) return new Set(['process', 'frontend', 'backend', 'server']);
  const out = new Set<Scope>();
  for (const a of asked) {
    if (a === '*') for (const s of ['process', 'frontend', 'backend', 'server'] as const) out.add(s);
    else if (a === 'global') out.add('process');
    else if (a === 'frontend' || a === 'backend' || a === 'server') out.add(a);
  }
  return out;
}

/** Renders the metrics page in Prometheus' text format (0.0.4). */
export function prometheusMetrics(router: Router, uri: string): LocalResponse {
  const scopes = wantedScopes(uri);
  const noMaint = /(^|[?&])no-maint(=|&|$)/.test(uri);
  const out: string[] = [];
  if (scopes.has('process')) {
    for (const f of families('process')) {
      const labels: Labels = f.label === 'version' ? [['version', DOCKLAB_VERSION]] : [];
      writeFamily(out, 'process', f, [{ labels, value: processValue(router, f.name) }]);
    }
  }
  if (scopes.has('frontend')) {
    for (const f of families('frontend'))
      writeFamily(
        out,
        'frontend',
        f,
        router.frontends.map((fe) => ({ labels: [['proxy', fe.name]], value: frontendValue(fe, f.name) })),
      );
  }
  const backends = [...router.backends.values()];
  if (scopes.has('backend')) {
    for (const f of families('backend'))
      writeFamily(
        out,
        'backend',
        f,
        backends.map((be) => ({ labels: [['proxy', be.name]], value: backendValue(be, f.name) })),
      );
  }
  if (scopes.has('server')) {
    for (const f of families('server')) {
      const rows: { labels: Labels; value: Value }[] = [];
      for (const be of backends)
        for (const s of be.servers) {
          if (noMaint && serverState(s) === 'MAINT') continue;
          if (CHECK_ONLY.has(f.name) && !s.model.options.check) continue;
          rows.push({
            labels: [
              ['proxy', be.name],
              ['server', s.name],
            ],
            value: serverValue(s, f.name),
          });
        }
      writeFamily(out, 'server', f, rows);
    }
  }
  return {
    status: 200,
    headers: [
      ['cache-control', 'no-cache'],
      ['content-type', 'text/plain; version=0.0.4'],
    ],
    body: out.join('\n') + '\n',
  };
}
