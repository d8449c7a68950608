import type { Socket } from 'node:net';
import { readProxyHeader, type ProxiedAddresses } from './proxy-protocol.js';

/** What came first on a connection under `accept-proxy`; null when it was no PROXY header. */
export interface ProxyHeaderResult {
  addresses?: ProxiedAddresses;
  rest: Buffer;
}

/**
 * Reads the PROXY header a connection must start with (`bind … accept-proxy`,
 * `tcp-request connection expect-proxy layer4`). The socket is left paused;
 * `rest` holds the bytes that followed the header.
 */
export function readProxyHeaderFrom(socket: Socket): Promise<ProxyHeaderResult | null> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const done = (r: ProxyHeaderResult | null) => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
      resolve(r);
    };
    const onEnd = () => done(null);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const r = readProxyHeader(buffered);
      if (r === 'partial') return;
      if (r === 'invalid') {
        done(null);
        return;
      }
      done({ ...(r.addresses ? { addresses: r.addresses } : {}), rest: buffered.subarray(r.consumed) });
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

/**
 * Makes a socket report the addresses a PROXY header carried. The HTTP/1 and
 * HTTP/2 front ends, logs and fetches all read the socket's own address
 * properties, so the header's addresses are set there, on this one socket.
 */
export function presentAs(socket: Socket, a: ProxiedAddresses): void {
  const own = (name: string, value: string | number) => Object.defineProperty(socket, name, { value, configurable: true });
  own('remoteAddress', a.srcAddr);
  own('remotePort', a.srcPort);
  own('localAddress', a.dstAddr);
  own('localPort', a.dstPort);
}
