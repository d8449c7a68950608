import { createServer as createNetServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** One connection as a raw TCP server saw it. */
export interface TcpServerRecord {
  server: string;
  received: Buffer;
  clientPort: number;
}

export interface TcpEchoServer {
  name: string;
  port: number;
  /** Connections in the order they were accepted. */
  seen: TcpServerRecord[];
  close(): Promise<void>;
}

/**
 * A raw TCP server that answers each chunk with `[name]` and the chunk, and
 * when the client half-closes writes `[name]bye` before closing its own side:
 * a proxy that loses a half-close or reorders bytes shows in what the client
 * reads. With `tls`, it speaks TLS with the given certificate.
 */
export async function startTcpEchoServer(name: string, tls?: { cert: string; key: string }): Promise<TcpEchoServer> {
  const seen: TcpServerRecord[] = [];
  const sockets = new Set<Socket>();
  const handle = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    const record: TcpServerRecord = { server: name, received: Buffer.alloc(0), clientPort: s.remotePort ?? 0 };
    seen.push(record);
    s.on('data', (d: Buffer) => {
      record.received = Buffer.concat([record.received, d]);
      s.write(Buffer.concat([Buffer.from(`[${name}]`), d]));
    });
    s.on('end', () => {
      s.end(`[${name}]bye`);
    });
    s.on('error', () => {});
  };
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, allowHalfOpen: true }, handle)
    : createNetServer({ allowHalfOpen: true }, handle);
  // Raw connections too: a TLS handshake that never finished must not hold close() up.
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name,
    seen,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A self-signed certificate for CN=`cn`, as PEM text. */
export function makeCertificate(dir: string, cn: string): { cert: string; key: string; pemFile: string } {
  const key = join(dir, `${cn}.key`);
  const crt = join(dir, `${cn}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${cn}`], {
    stdio: 'ignore',
  });
  const pem = join(dir, `${cn}.pem`);
  const cert = readFileSync(crt, 'utf8');
  const k = readFileSync(key, 'utf8');
  execFileSync('sh', ['-c', `cat '${crt}' '${key}' > '${pem}'`]);
  return { cert, key: k, pemFile: pem };
}

export interface TcpClientResult {
  /** Everything the client read, in order. */
  received: Buffer;
  /** The client's own port (PROXY headers name it). */
  localPort: number;
  /** CN of the certificate the client was shown (TLS clients only). */
  peerCn?: string;
  /** How the connection ended for the client: the peer closed cleanly ('end'), reset, or the test gave up. */
  ending: 'end' | 'error' | 'timeout';
}

export interface TcpClientPlan {
  /** Chunks written one after another, `gapMs` apart. */
  chunks: Buffer[];
  gapMs?: number;
  /** Half-close after the last chunk (default true). */
  end?: boolean;
  tls?: { sni?: string };
  timeoutMs?: number;
}

/** Connects, writes the plan, reads until the other side closes. */
export async function runTcpClient(port: number, plan: TcpClientPlan): Promise<TcpClientResult> {
  const raw = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true });
  const sock: Socket = plan.tls ? tlsConnect({ socket: raw, rejectUnauthorized: false, ...(plan.tls.sni ? { servername: plan.tls.sni } : {}) }) : raw;
  const chunks: Buffer[] = [];
  let localPort = 0;
  let peerCn: string | undefined;
  const ended = new Promise<TcpClientResult['ending']>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), plan.timeoutMs ?? 5000);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve('end');
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve('error');
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve('end');
    });
  });
  const ready = new Promise<boolean>((resolve) => {
    setTimeout(() => resolve(false), plan.timeoutMs ?? 5000);
    sock.once(plan.tls ? 'secureConnect' : 'connect', () => resolve(true));
    sock.once('error', () => resolve(false));
    sock.once('close', () => resolve(false));
  });
  if (await ready) {
    localPort = raw.localPort ?? 0;
    if (plan.tls) peerCn = String((sock as TLSSocket).getPeerCertificate()?.subject?.CN ?? '');
    for (const c of plan.chunks) {
      await new Promise((r) => setTimeout(r, plan.gapMs ?? 50));
      if (sock.writable) sock.write(c);
    }
    if (plan.end !== false && sock.writable) sock.end();
  }
  const ending = await ended;
  sock.destroy();
  return { received: Buffer.concat(chunks), localPort, ...(peerCn !== undefined ? { peerCn } : {}), ending };
}
