import type { Socket } from 'node:net';
import type { BindModel, ProxySection } from '../config/model.js';
import { txnOf, type SampleSource } from '../acl/sample-source.js';
import type { ListenerContext } from '../http/listener-context.js';
import { hasRules, runTcpRules } from './tcp-rule-runner.js';
import { peekStickTxn, releaseConnection } from '../stick/stick-txn.js';
import type { LocalResponse } from '../http/local-response.js';
import { dropConnection } from './drop-connection.js';

/**
 * `tcp-request connection` and `session` rules of an HTTP frontend, run as a
 * connection is accepted, before any byte is read: false when a rule dropped it.
 */
export function admitConnection(socket: Socket, ctx: ListenerContext, bind: BindModel): boolean {
  const fe = ctx.router().frontends.find((f) => f.name === ctx.frontendName);
  if (!fe) return true;
  const section = fe.model;
  if (!hasRules(section, 'connection') && !hasRules(section, 'session')) return true;
  const src: SampleSource = {
    method: '',
    uri: '',
    version: '',
    headers: [],
    srcAddr: socket.remoteAddress ?? '',
    srcPort: socket.remotePort ?? 0,
    dstAddr: socket.localAddress ?? '',
    dstPort: socket.localPort ?? bind.port,
    ssl: bind.ssl,
    sni: undefined,
  };
  txnOf(src).frontend = fe;
  let verdict = runTcpRules(section, 'connection', src, { next: 0 });
  if (verdict !== 'reject' && verdict !== 'silent-drop') verdict = runTcpRules(section, 'session', src, { next: 0 });
  // Counters the connection rules started to track are held until the connection closes.
  const stick = peekStickTxn(src);
  if (stick) socket.once('close', () => releaseConnection(stick, socket.bytesRead, socket.bytesWritten));
  // HAProxy closes a rejected connection without lingering: the client sees a reset.
  if (verdict === 'reject' || verdict === 'silent-drop') {
    dropConnection(socket);
    return false;
  }
  return true;
}

/** A rejection in an HTTP stream: the connection closes without an answer, as HAProxy does. */
const CLOSE_WITHOUT_ANSWER: LocalResponse = {
  status: 400,
  headers: [],
  body: '',
  errorFile: {
    empty: true,
    version: 'HTTP/1.1',
    status: 400,
    reason: '',
    headers: [],
    body: Buffer.alloc(0),
    hasLength: false,
    file: '(tcp-request content reject)',
  },
};

/**
 * `tcp-request content` rules of an HTTP proxy: HAProxy runs them once per
 * request, before the http-request rules. Returns the answer that ends the
 * request when a rule rejects it.
 */
export function httpContentVerdict(section: ProxySection, req: SampleSource): LocalResponse | null {
  if (!hasRules(section, 'content')) return null;
  const verdict = runTcpRules(section, 'content', req, { next: 0 });
  return verdict === 'reject' || verdict === 'silent-drop' ? CLOSE_WITHOUT_ANSWER : null;
}
