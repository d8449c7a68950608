import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What an echo server saw, returned as the JSON body of every answer. */
export interface EchoRecord {
  server: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface EchoServer {
  name: string;
  port: number;
  server: Server;
  /** Requests received, newest last. */
  seen: EchoRecord[];
  /** Open TCP connections from proxies. */
  sockets: Set<Socket>;
  /** TCP connections accepted since start. */
  accepted: number;
  healthy: boolean;
  close(): Promise<void>;
}

/**
 * A small HTTP server that answers with what it received and who it is.
 * Paths steer it: /status/NNN answers NNN, /slow/MS waits, /health follows
 * `healthy`, /health-body answers 200 with `ok` or `degraded`, /health-404 200 or 404, /set-cookie sets one, …/cacheable adds `cache-control: max-age=60`, /big/N sends N bytes, /ws accepts upgrades;
 * `res-hdr=Name:value` query parameters add response headers.
 */
export async function startEchoServer(name: string): Promise<EchoServer> {
  const seen: EchoRecord[] = [];
  const sockets = new Set<Socket>();
  const self: Partial<EchoServer> = { name, seen, sockets, healthy: true, accepted: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url.startsWith('/health-404')) {
        res.writeHead(self.healthy ? 200 : 404, { 'content-type': 'text/plain' });
        res.end(self.healthy ? 'ok' : 'gone');
        return;
      }
      if (url.startsWith('/health-body')) {
        // Always 200: only the body says whether the server is well (content checks).
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(self.healthy ? 'ok' : 'degraded');
        return;
      }
      if (url.startsWith('/health')) {
        res.writeHead(self.healthy ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(self.healthy ? 'ok' : 'sick');
        return;
      }
      const rec: EchoRecord = { server: name, method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(rec);
      const json = JSON.stringify(rec);
      const status = /^\/status\/(\d{3})/.exec(url);
      const slow = /^\/slow\/(\d+)/.exec(url);
      const big = /^\/big\/(\d+)/.exec(url);
      const send = () => {
        const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'x-served-by': name };
        if (url.startsWith('/set-cookie')) headers['set-cookie'] = 'app=1; path=/';
        if (url.includes('/cacheable')) headers['cache-control'] = 'max-age=60';
        // `res-hdr=Name:%20value` query parameters become response headers (cache tests steer Cache-Control, Vary…).
        for (const m of url.matchAll(/[?&]res-hdr=([^&]*)/g)) {
          const text = decodeURIComponent(m[1]!);
          const colon = text.indexOf(':');
          if (colon > 0) headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
        }
        if (big) {
          const b = Buffer.alloc(Number(big[1]), 97);
          res.writeHead(200, { ...headers, 'content-length': String(b.length) });
          res.end(b);
          return;
        }
        if (url.startsWith('/chunked')) {
          res.writeHead(200, headers);
          res.write(json.slice(0, 10));
          res.end(json.slice(10));
          return;
        }
        res.writeHead(status ? Number(status[1]) : 200, { ...headers, 'content-length': String(Buffer.byteLength(json)) });
        res.end(json);
      };
      if (slow) setTimeout(send, Number(slow[1]));
      else send();
    });
  });
  server.on('connection', (s: Socket) => {
    self.accepted!++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.write(`hello from ${name}\n`);
    socket.on('data', (d: Buffer) => socket.write(d));
    void req;
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  self.port = (server.address() as AddressInfo).port;
  self.server = server;
  self.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return self as EchoServer;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The same echo server behind TLS (certificate and key in PEM), and with
 * `h2` over HTTP/2 too (ALPN h2 and http/1.1); with `h2c`, HTTP/2 without
 * TLS. Answers as startEchoServer does; `seen`, `healthy` and `accepted`
 * work the same.
 */
export async function startSecureEchoServer(name: string, opts: { cert?: string; key?: string; h2?: boolean; h2c?: boolean }): Promise<EchoServer> {
  const inner = await startEchoServer(name);
  const { createServer: createHttps } = await import('node:https');
  const { createSecureServer, createServer: createH2c } = await import('node:http2');
  const tls = { cert: opts.cert ?? '', key: opts.key ?? '' };
  const onRequest = inner.server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const outer = opts.h2c
    ? createH2c({}, onRequest as never)
    : opts.h2
      ? createSecureServer({ ...tls, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] }, onRequest as never)
      : createHttps(tls, onRequest);
  const sockets = new Set<Socket>();
  outer.on('connection', (s: Socket) => {
    inner.accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  (outer as Server).on('tlsClientError', () => {});
  await new Promise<void>((r) => outer.listen(0, '127.0.0.1', () => r()));
  const port = (outer.address() as AddressInfo).port;
  const self = inner as EchoServer & { port: number };
  const closeInner = inner.close;
  self.port = port;
  self.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => outer.close(() => r()));
    await closeInner();
  };
  return self;
}
