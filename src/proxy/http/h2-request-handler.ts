import type { TLSSocket } from 'node:tls';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { stickEnd, stickStore } from '../stick/stick-runtime.js';
import { StickPending, abandonStick, runStickAttempt, stickSuspended } from '../stick/stick-shared.js';
import type { Socket } from 'node:net';
import type { ListenerContext } from './listener-context.js';
import type { ProxiedRequest } from './proxied-request.js';
import { routeAndStick } from './request-router.js';
import { cacheResponseBody, cacheResponseEnd } from '../cache/cache-actions.js';
import { errorResponse, type LocalResponse } from './local-response.js';
import { UpstreamExchange, type ExchangeSink } from './upstream-exchange.js';
import { buildUpstreamHead, isIdempotent } from './upstream-head.js';
import { closesServerSide, noServerReuse } from './connection-mode.js';
import { responseHeaders } from './response-head-writer.js';
import type { ResponseState } from './rule-engine.js';
import { SessionState, Txn } from '../sample/txn.js';
import { afterResponseOnLocal } from '../rules/after-response.js';
import { readRequestCookie } from './persistence-cookie.js';
import type { ResponseHead } from './http-head.js';
import { RequestTransaction } from './request-transaction.js';
import { withProxyErrorFile } from './error-reply.js';

/** Headers that HTTP/2 forbids in responses (connection-specific). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * Handles one request arriving on a TLS bind that offers h2 (node:http2 with
 * HTTP/1.1 fallback): the same routing as HTTP/1, then HTTP/1.1 to the server.
 */
export function handleH2Request(ctx: ListenerContext, req: Http2ServerRequest, res: Http2ServerResponse): void {
  const router = ctx.router();
  const fe = router.frontends.find((f) => f.name === ctx.frontendName);
  if (!fe) {
    res.destroy();
    return;
  }
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
    method: req.method,
    uri: req.url,
    version: req.httpVersionMajor === 2 ? '2.0' : req.httpVersion,
    headers,
    srcAddr: socket.remoteAddress ?? '',
    dstPort: socket.localPort ?? ctx.localPort,
    ssl: ctx.ssl,
    sni: typeof socket.servername === 'string' ? socket.servername : undefined,
    ...(req.stream.session?.socket && 'getPeerCertificate' in req.stream.session.socket ? { tlsSocket: req.stream.session.socket as TLSSocket } : {}),
    receivedAt: started,
    headReceivedAt: started,
    modified: true,
    txn: new Txn(sessionStateOf(req.stream.session)),
    srcPort: socket.remotePort,
    dstAddr: socket.localAddress,
  };
  // Counted and logged by the same accounting as HTTP/1 requests.
  const tx = new RequestTransaction(fe, ctx, preq, started, socket.remoteAddress ?? '', socket.remotePort ?? 0);
  tx.begin();
  const decision = runStickAttempt(req, () => routeAndStick(router, fe, preq));
  if (decision instanceof StickPending) {
    // Shared stick tables (workers): wait for the primary, then route the stream again.
    stickSuspended(preq);
    tx.retract();
    void decision.promise.then(() => {
      if (res.destroyed || res.writableEnded) abandonStick(req, decision);
      else handleH2Request(ctx, req, res);
    });
    return;
  }
  // Stick counters end with the stream, however it ends.
  res.on('close', () =>
    stickEnd(
      preq,
      Number(preq.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1] ?? 0) || 0,
      Number(res.getHeader('content-length') ?? 0) || 0,
      res.statusCode,
    ),
  );
  tx.routed(decision);
  const line = { method: preq.method, uri: preq.uri, version: preq.version };
  const log = (status: number, backend: string, server: string, termination: string, bytes: number, ex?: UpstreamExchange) => {
    tx.status = status;
    tx.bytesOut = bytes;
    tx.log(termination, server, backend, line, ex);
  };
  /** The answer is complete: counted like an HTTP/1 one (statuses and bytes of frontend, backend, server). */
  const answered = (status: number, bytes: number, ex?: UpstreamExchange) => {
    tx.bytesOut = bytes;
    tx.answered(status, ex);
  };
  if (decision.kind === 'respond' && decision.withBody) {
    // The stats admin form: answer once the whole body is read.
    const build = decision.withBody;
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size < 65536) {
        parts.push(c);
        size += c.length;
      }
    });
    req.on('end', () => {
      const r = build(Buffer.concat(parts));
      sendLocal(res, r);
      answered(r.status, r.body.length);
      log(r.status, decision.backend?.name ?? fe.name, '<NOSRV>', decision.termination, r.body.length);
    });
    return;
  }
  if (decision.kind === 'respond') {
    const r = afterResponseOnLocal(fe.model, decision.backend?.model, preq, withProxyErrorFile(decision.response, fe.model, decision.backend?.model));
    // Tarpit: the answer is held back while the stream stays open.
    if (r.delayMs)
      setTimeout(() => {
        if (!res.stream.destroyed) sendLocal(res, r);
      }, r.delayMs);
    else sendLocal(res, r);
    answered(decision.response.status, decision.response.body.length);
    log(decision.response.status, decision.backend?.name ?? fe.name, '<NOSRV>', decision.termination, decision.response.body.length);
    req.resume();
    return;
  }
  const be = decision.backend;
  let clientCookie: string | undefined;
  if (be.cookie) {
    clientCookie = readRequestCookie(be.cookie, preq.headers).server;
  }
  const lengthHeader = preq.headers.find(([n]) => n.toLowerCase() === 'content-length');
  const ended = req.readableEnded || (req.stream && req.stream.endAfterHeaders);
  const bodyMode = ended ? 'none' : lengthHeader ? 'raw' : 'encode-chunked';
  const extra: [string, string][] = bodyMode === 'encode-chunked' ? [['transfer-encoding', 'chunked']] : [];
  for (let i = preq.headers.length - 1; i >= 0; i--) if (preq.headers[i]![0].toLowerCase() === 'transfer-encoding') preq.headers.splice(i, 1);
  let bytes = 0;
  let localAnswer = false;
  const sink: ExchangeSink = {
    onInterim: () => {},
    onResponseHead(head: ResponseHead) {
      if (exchange.server) stickStore(be, preq, exchange.server, head);
      const state: ResponseState = { status: head.status, reason: head.reason, version: head.version };
      const list = responseHeaders(head, fe, be, exchange.server, preq, clientCookie, state) ?? head.headers;
      if (state.local) {
        // An http-response rule answered instead: the server's body is dropped.
        localAnswer = true;
        sendLocal(res, state.local);
        return null;
      }
      const out: Record<string, string | string[]> = {};
      for (const [n, v] of list) {
        const k = n.toLowerCase();
        if (H2_FORBIDDEN.has(k)) continue;
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      res.writeHead(state.status, out);
      return null;
    },
    onResponseBody(chunk) {
      if (localAnswer) return true;
      bytes += chunk.length;
      cacheResponseBody(preq, chunk);
      return res.write(chunk);
    },
    onResponseEnd() {
      if (!localAnswer) cacheResponseEnd(preq, false);
      if (!localAnswer) res.end();
      answered(res.statusCode, bytes, exchange);
      log(res.statusCode, be.name, exchange.server?.name ?? '<NOSRV>', '----', bytes, exchange);
    },
    onFailure(status, termination) {
      sendLocal(res, withProxyErrorFile(errorResponse(status), fe.model, be.model));
      answered(status, 0, exchange);
      log(status, be.name, exchange.server?.name ?? '<NOSRV>', termination, 0, exchange);
    },
    onAbort(termination) {
      res.destroy();
      log(res.statusCode, be.name, exchange.server?.name ?? '<NOSRV>', termination, bytes, exchange);
    },
    onTunnel(upstream) {
      upstream.destroy();
      res.destroy();
    },
    onRequestDrain() {
      req.resume();
    },
  };
  const exchange = new UpstreamExchange(
    be,
    {
      method: preq.method,
      head: buildUpstreamHead(preq.method, preq.uri, '1.1', preq.headers, closesServerSide(fe, be), extra),
      noReuse: noServerReuse(fe, be),
      body: bodyMode,
      idempotent: isIdempotent(preq.method),
      upgrade: false,
      balance: { srcAddr: preq.srcAddr, uri: preq.uri, headers: preq.headers, src: preq },
      persistCookie: clientCookie,
      stickServer: decision.stuck,
    },
    sink,
  );
  res.on('drain', () => exchange.resumeResponse());
  res.on('close', () => {
    if (!res.writableFinished) exchange.cancel();
  });
  exchange.start();
  if (bodyMode === 'none') exchange.endBody();
  else {
    req.on('data', (chunk: Buffer) => {
      if (!exchange.pushBody(chunk)) req.pause();
    });
    req.on('end', () => exchange.endBody());
  }
}

function sendLocal(res: Http2ServerResponse, r: LocalResponse): void {
  // An empty error file: no answer at all, the stream is reset.
  if (r.errorFile?.empty) {
    res.stream.close();
    return;
  }
  const body = r.bodyBytes ?? Buffer.from(r.body, 'utf8');
  const headers: Record<string, string> = { 'content-length': String(body.length) };
  for (const [n, v] of r.headers) headers[n.toLowerCase()] = v;
  res.writeHead(r.status, headers);
  res.end(body);
}

/** `sess` variables live as long as the HTTP/2 connection, shared by its streams. */
const h2Sessions = new WeakMap<object, SessionState>();
function sessionStateOf(session: object | undefined): SessionState {
  if (!session) return new SessionState();
  let st = h2Sessions.get(session);
  if (!st) {
    st = new SessionState();
    h2Sessions.set(session, st);
  }
  return st;
}
