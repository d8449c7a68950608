import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { ListenerContext } from './listener-context.js';
import type { ProxiedRequest } from './proxied-request.js';
import { routeRequest } from './request-router.js';
import { errorResponse, type LocalResponse } from './local-response.js';
import { UpstreamExchange, type ExchangeSink } from './upstream-exchange.js';
import { buildUpstreamHead, isIdempotent } from './upstream-head.js';
import { findCookie, responseHeaders, stripCookie } from './response-head-writer.js';
import type { ResponseHead } from './http-head.js';
import { formatHttpLog } from '../log/http-log-line.js';

/** Headers that HTTP/2 forbids in responses (connection-specific). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Handles one request arriving on a TLS bind that offers h2 (node:http2 with
 * HTTP/1.1 fallback): the same routing as HTTP/1, then HTTP/1.1 to the server.
 */
export function handleH2Request(ctx: ListenerContext, req: Http2ServerRequest, res: Http2ServerResponse): void {
  const router = ctx.router();
  const fe = router.frontends.find((f) => f.name === ctx.frontendName);
  if (!fe) { res.destroy(); return; }
  const started = Date.now();
  const headers: [string, string][] = [];
  const raw = req.rawHeaders;
  let hasHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.startsWith(':')) continue;
    if (n.toLowerCase() === 'host') hasHost = true;
    headers.push([n, raw[i + 1]!]);
  }
  const authority = req.authority || (req.headers[':authority'] as string | undefined);
  if (!hasHost && authority) headers.unshift(['host', authority]);
  const socket = req.socket as Socket & { servername?: string };
  const preq: ProxiedRequest = {
    method: req.method, uri: req.url, version: req.httpVersionMajor === 2 ? '2.0' : req.httpVersion,
    headers, srcAddr: socket.remoteAddress ?? '', dstPort: ctx.localPort, ssl: true,
    sni: typeof socket.servername === 'string' ? socket.servername : undefined, receivedAt: started, headReceivedAt: started, modified: true,
  };
  fe.counters.total++;
  const decision = routeRequest(router, fe, preq);
  const log = (status: number, backend: string, server: string, termination: string, bytes: number, ex?: UpstreamExchange) => {
    if (!fe.httplog || !fe.model.settings.logEnabled) return;
    ctx.log(formatHttpLog({
      clientAddr: preq.srcAddr.replace(/^::ffff:(?=\d+\.)/, ''), clientPort: socket.remotePort ?? 0, acceptedAt: started,
      frontend: fe.name, ssl: true, backend, server, tr: 0, tw: ex ? Math.max(0, ex.queuedMs) : -1, tc: ex ? ex.connectMs : -1,
      trServer: ex ? ex.responseMs : -1, ta: Date.now() - started, status, bytes, termination,
      actconn: ctx.activeConnections(), feconn: fe.connections, beconn: 0, srvconn: ex?.server?.active ?? 0, retries: ex?.retries ?? 0,
      method: preq.method, uri: preq.uri, version: preq.version,
    }));
  };
  if (decision.kind === 'respond') {
    sendLocal(res, decision.response);
    fe.counters.countStatus(decision.response.status);
    log(decision.response.status, decision.backend?.name ?? fe.name, '<NOSRV>', decision.termination, decision.response.body.length);
    req.resume();
    return;
  }
  const be = decision.backend;
  be.counters.total++;
  let clientCookie: string | undefined;
  if (be.cookie) {
    clientCookie = findCookie(preq.headers, be.cookie.name);
    if (be.cookie.indirect && clientCookie !== undefined) stripCookie(preq.headers, be.cookie.name);
  }
  const lengthHeader = preq.headers.find(([n]) => n.toLowerCase() === 'content-length');
  const ended = req.readableEnded || (req.stream && req.stream.endAfterHeaders);
  const bodyMode = ended ? 'none' : lengthHeader ? 'raw' : 'encode-chunked';
  const extra = bodyMode === 'encode-chunked' ? 'transfer-encoding: chunked\r\n' : '';
  for (let i = preq.headers.length - 1; i >= 0; i--) if (preq.headers[i]![0].toLowerCase() === 'transfer-encoding') preq.headers.splice(i, 1);
  let bytes = 0;
  const sink: ExchangeSink = {
    onInterim: () => {},
    onResponseHead(head: ResponseHead) {
      const list = responseHeaders(head, fe, be, exchange.server, preq, clientCookie) ?? head.headers;
      const out: Record<string, string | string[]> = {};
      for (const [n, v] of list) {
        const k = n.toLowerCase();
        if (H2_FORBIDDEN.has(k)) continue;
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      res.writeHead(head.status, out);
      return null;
    },
    onResponseBody(chunk) { bytes += chunk.length; return res.write(chunk); },
    onResponseEnd() {
      res.end();
      fe.counters.countStatus(res.statusCode); be.counters.countStatus(res.statusCode);
      exchange.server?.counters.countStatus(res.statusCode);
      log(res.statusCode, be.name, exchange.server?.name ?? '<NOSRV>', '----', bytes, exchange);
    },
    onFailure(status, termination) {
      sendLocal(res, errorResponse(status));
      fe.counters.countStatus(status); be.counters.countStatus(status);
      log(status, be.name, exchange.server?.name ?? '<NOSRV>', termination, 0, exchange);
    },
    onAbort(termination) { res.destroy(); log(res.statusCode, be.name, exchange.server?.name ?? '<NOSRV>', termination, bytes, exchange); },
    onTunnel(upstream) { upstream.destroy(); res.destroy(); },
    onRequestDrain() { req.resume(); },
  };
  const exchange = new UpstreamExchange(be, {
    method: preq.method,
    head: buildUpstreamHead(preq.method, preq.uri, '1.1', preq.headers, false, extra),
    body: bodyMode, idempotent: isIdempotent(preq.method), upgrade: false,
    balance: { srcAddr: preq.srcAddr, uri: preq.uri }, persistCookie: clientCookie,
  }, sink);
  res.on('drain', () => exchange.resumeResponse());
  res.on('close', () => { if (!res.writableFinished) exchange.cancel(); });
  exchange.start();
  if (bodyMode === 'none') exchange.endBody();
  else {
    req.on('data', (chunk: Buffer) => { if (!exchange.pushBody(chunk)) req.pause(); });
    req.on('end', () => exchange.endBody());
  }
}

function sendLocal(res: Http2ServerResponse, r: LocalResponse): void {
  const headers: Record<string, string> = { 'content-length': String(Buffer.byteLength(r.body)) };
  for (const [n, v] of r.headers) headers[n.toLowerCase()] = v;
  res.writeHead(r.status, headers);
  res.end(r.body);
}
