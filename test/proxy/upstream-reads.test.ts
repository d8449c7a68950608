import { describe, it, expect } from 'vitest';
import { createServer, connect, type Server, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { freePort } from './support/echo-servers.js';

/**
 * Plain upstream sockets read into one buffer shared by every server
 * connection; each read must be copied out before the next one lands, even
 * when the client is slow and the proxy holds response bytes back.
 */

const SIZE = 16 * 1024 * 1024;
/** A body where every offset has its own byte pattern, so that a chunk overwritten by a later read shows. */
function body(seed: number): Buffer {
  const b = Buffer.allocUnsafe(SIZE);
  for (let i = 0; i < SIZE; i++) b[i] = (i * 7 + seed) % 251;
  return b;
}

function origin(): Promise<Server> {
  const server = createServer((s) => {
    let pending = '';
    s.on('data', (d) => {
      pending += d.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const seed = Number(/GET \/b\/(\d+)/.exec(pending)?.[1] ?? 0);
      pending = pending.slice(end + 4);
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${SIZE}\r\n\r\n`);
      s.write(body(seed));
    });
    s.on('error', () => {});
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** Fetches /b/SEED over a raw connection; `slow` reads in small sips with pauses. */
function fetchBody(port: number, seed: number, slow: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' });
    const parts: Buffer[] = [];
    let size = 0;
    s.on('connect', () => s.write(`GET /b/${seed} HTTP/1.1\r\nHost: x\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      parts.push(d);
      size += d.length;
      if (slow) {
        s.pause();
        setTimeout(() => s.resume(), 3);
      }
      // The head is a few dozen bytes: the whole answer is in once the body's size is.
      if (size < SIZE) return;
      const all = Buffer.concat(parts);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0 && all.length - end - 4 >= SIZE) {
        s.destroy();
        resolve(all.subarray(end + 4, end + 4 + SIZE));
      }
    });
    s.on('error', reject);
  });
}

describe('responses read from plain upstream sockets', () => {
  it('arrive byte for byte with several server connections and a slow client holding bytes back', async () => {
    const srv = await origin();
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'docklab-upstream-reads-')), 'haproxy.cfg');
    writeFileSync(
      file,
      `defaults\n  mode http\n  timeout connect 2s\n  timeout client 20s\n  timeout server 20s\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend b\nbackend b\n  server s1 127.0.0.1:${(srv.address() as AddressInfo).port}\n`,
    );
    const proxy = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
    try {
      const got = await Promise.all([fetchBody(port, 1, true), fetchBody(port, 2, false), fetchBody(port, 3, true)]);
      got.forEach((b, i) => expect(b.equals(body(i + 1))).toBe(true));
    } finally {
      await proxy.close();
      await new Promise((r) => srv.close(r));
    }
  }, 60_000);
});
