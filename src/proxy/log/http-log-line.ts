/** Who and where: the part every log line (httplog and tcplog) starts with. */
export interface LogRecordParties {
  clientAddr: string;
  clientPort: number;
  acceptedAt: number;
  frontend: string;
  ssl: boolean;
  backend: string;
  server: string;
}

/** Everything one httplog line needs, collected while the request runs. */
export interface HttpLogRecord extends LogRecordParties {
  /** Milliseconds; -1 when that phase did not happen. */
  tr: number;
  tw: number;
  tc: number;
  trServer: number;
  ta: number;
  status: number;
  bytes: number;
  termination: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  method: string;
  uri: string;
  version: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** HAProxy's accept date: 23/Nov/2026:21:30:00.123 (local time). */
export function acceptDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * Formats HAProxy's `option httplog` line:
 * client:port [date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes - - term conns queues "request"
 */
export function formatHttpLog(r: HttpLogRecord): string {
  const retries = r.retries > 0 ? `+${r.retries}` : '0';
  return (
    `${r.clientAddr}:${r.clientPort} [${acceptDate(r.acceptedAt)}] ${r.frontend}${r.ssl ? '~' : ''} ${r.backend}/${r.server} ` +
    `${r.tr}/${r.tw}/${r.tc}/${r.trServer}/${r.ta} ${r.status} ${r.bytes} - - ${r.termination} ` +
    `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${retries} 0/0 "${r.method} ${r.uri} HTTP/${r.version}"`
  );
}
