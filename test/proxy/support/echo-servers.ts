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
 * `healthy`, /set-cookie sets one, /big/N sends N bytes, /ws accepts upgrades.
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
        if (big) { const b = Buffer.alloc(Number(big[1]), 97); res.writeHead(200, { ...headers, 'content-length': String(b.length) }); res.end(b); return; }
        if (url.startsWith('/chunked')) { res.writeHead(200, headers); res.write(json.slice(0, 10)); res.end(json.slice(10)); return; }
        res.writeHead(status ? Number(status[1]) : 200, { ...headers, 'content-length': String(Buffer.byteLength(json)) });
        res.end(json);
      };
      if (slow) setTimeout(send, Number(slow[1])); else send();
    });
  });
  server.on('connection', (s: Socket) => { self.accepted!++; sockets.add(s); s.on('close', () => sockets.delete(s)); });
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
  self.close = () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return self as EchoServer;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
