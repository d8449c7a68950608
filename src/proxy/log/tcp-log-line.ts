import { acceptDate, type LogRecordParties } from './http-log-line.js';

/** Everything one tcplog line needs, collected while the connection runs. */
export interface TcpLogRecord extends LogRecordParties {
  /** Milliseconds; -1 when that phase did not happen. */
  tw: number;
  tc: number;
  tt: number;
  /** Bytes sent to the client. */
  bytes: number;
  /** Two characters: who ended the session and in which phase ("--" when it ended normally). */
  termination: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  /** The connection went to another server than the first one chosen (`option redispatch`): retries get a `+`. */
  redispatched?: boolean;
  /** Requests served from the server's / backend's queue before this one left it (itself included), 0 when never queued. */
  srvQueue?: number;
  beQueue?: number;
}

/**
 * HAProxy's `option tcplog` line:
 * client:port [date] frontend backend/server Tw/Tc/Tt bytes term conns queues
 */
export function formatTcpLog(r: TcpLogRecord): string {
  const retries = r.redispatched ? `+${r.retries}` : String(r.retries);
  return (
    `${r.clientAddr}:${r.clientPort} [${acceptDate(r.acceptedAt)}] ${r.frontend}${r.ssl ? '~' : ''} ${r.backend}/${r.server} ` +
    `${r.tw}/${r.tc}/${r.tt} ${r.bytes} ${r.termination} ` +
    `${r.actconn}/${r.feconn}/${r.beconn}/${r.srvconn}/${retries} ${r.srvQueue ?? 0}/${r.beQueue ?? 0}`
  );
}
