import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request on a fresh connection. */
export function send(
  port: number,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    tls?: boolean;
    /** TLS only: client certificate and key (PEM), and the SNI name to send (none when empty). */
    cert?: string;
    key?: string;
    servername?: string;
  },
): Promise<ClientResponse> {
  const fn = opts.tls ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: opts.headers ?? {},
        agent: false,
        rejectUnauthorized: false,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** One request over HTTP/2 with TLS. */
export function sendH2(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<ClientResponse & { protocol: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    session.on('error', reject);
    const stream = session.request({ ':method': opts.method ?? 'GET', ':path': opts.path ?? '/', ...(opts.headers ?? {}) });
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h as typeof headers;
    });
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8'), protocol: 'h2' });
    });
    stream.on('error', reject);
    if (opts.body !== undefined) stream.end(opts.body);
    else stream.end();
  });
}

/** Writes raw bytes and collects everything until the server closes or `waitMs` passes. */
export function rawExchange(port: number, payload: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: '127.0.0.1', port });
    let out = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(out);
    };
    const t = setTimeout(done, waitMs);
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    s.on('close', done);
    s.on('error', done);
    s.write(payload);
  });
}
