import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

/** A syslog message as it arrived, with the parts docklab looks at. */
export interface SyslogMessage {
  raw: string;
  /** The priority number (facility × 8 + severity), when the message starts with <N>. */
  priority?: number;
  receivedAt: number;
}

export interface SyslogReceiver {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
  readonly messages: SyslogMessage[];
  close(): Promise<void>;
}

/**
 * A small syslog listener for checks: it keeps every message that arrives on
 * host:port (UDP datagrams, or TCP lines; a TCP frame that starts with its
 * octet count, as RFC 6587 allows, is split by that count). Port 0 picks a free one.
 */
export async function startSyslogReceiver(options: { protocol: 'udp' | 'tcp'; host?: string; port?: number }): Promise<SyslogReceiver> {
  const host = options.host ?? '127.0.0.1';
  const messages: SyslogMessage[] = [];
  const keep = (raw: string) => {
    const text = raw.replace(/\r?\n$/, '');
    if (!text) return;
    const priority = /^<(\d{1,3})>/.exec(text);
    messages.push({ raw: text, priority: priority ? Number(priority[1]) : undefined, receivedAt: Date.now() });
  };

  if (options.protocol === 'udp') {
    const socket = createSocket('udp4');
    socket.on('message', (data) => keep(data.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.unref();
    return {
      protocol: 'udp',
      host,
      port: socket.address().port,
      messages,
      close: () => new Promise((resolve) => socket.close(() => resolve())),
    };
  }

  const open = new Set<Socket>();
  const server: Server = createServer((connection) => {
    open.add(connection);
    connection.on('close', () => open.delete(connection));
    let pending = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => {
      pending += chunk;
      for (;;) {
        const counted = /^(\d+) /.exec(pending);
        if (counted) {
          const length = Number(counted[1]);
          const start = counted[0].length;
          if (pending.length < start + length) break;
          keep(pending.slice(start, start + length));
          pending = pending.slice(start + length);
          continue;
        }
        const newline = pending.indexOf('\n');
        if (newline < 0) break;
        keep(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    connection.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const address = server.address();
  return {
    protocol: 'tcp',
    host,
    port: typeof address === 'object' && address ? address.port : 0,
    messages,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Open connections would keep close() waiting.
        for (const connection of open) connection.destroy();
      }),
  };
}

/** A free port for the protocol on host, found by binding port 0 and letting it go. */
export async function freePort(protocol: 'udp' | 'tcp', host = '127.0.0.1'): Promise<number> {
  const receiver = await startSyslogReceiver({ protocol, host });
  const port = receiver.port;
  await receiver.close();
  return port;
}
