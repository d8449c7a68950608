import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type TlsOptions } from 'node:tls';
import type { BindModel } from '../config/model.js';
import { acceptTlsClient } from '../runtime/bind-tls.js';

/** Turns an accepted TCP connection into a TLS one; null when the handshake or the client's certificate fails. */
export type TlsUpgrade = (raw: Socket, preread: Buffer) => Promise<TLSSocket | null>;

/**
 * TLS for a `mode tcp` bind, started by the session itself rather than by a
 * TLS server, so that connection rules and a PROXY header come before the
 * handshake, as in HAProxy, and a client that goes away mid-handshake is
 * closed instead of lingering half-open.
 */
export function tlsUpgrade(bind: BindModel, options: TlsOptions): TlsUpgrade {
  const secureContext = createSecureContext(options);
  return (raw, preread) =>
    new Promise((resolve) => {
      const transport = preread.length ? replaying(raw, preread) : raw;
      const tls = new TLSSocket(transport, {
        isServer: true,
        secureContext,
        ...(options.SNICallback ? { SNICallback: options.SNICallback } : {}),
        ...(options.ALPNProtocols ? { ALPNProtocols: options.ALPNProtocols } : {}),
        requestCert: options.requestCert ?? false,
        rejectUnauthorized: options.rejectUnauthorized ?? false,
      });
      const failed = () => {
        tls.destroy();
        raw.destroy();
        resolve(null);
      };
      tls.once('error', failed);
      tls.once('close', failed);
      // A client that closes before the handshake ends is gone: do not keep its half-open socket.
      raw.once('end', failed);
      tls.once('end', failed);
      tls.once('secure', () => {
        tls.removeListener('end', failed);
        tls.removeListener('error', failed);
        tls.removeListener('close', failed);
        raw.removeListener('end', failed);
        if (!acceptTlsClient(tls, bind)) {
          failed();
          return;
        }
        resolve(tls);
      });
    });
}

/** The socket as a stream that first yields bytes already read from it (after a PROXY header). */
function replaying(raw: Socket, preread: Buffer): Duplex {
  const d = new Duplex({
    allowHalfOpen: true,
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  d.push(preread);
  raw.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) raw.pause();
  });
  raw.on('end', () => d.push(null));
  raw.on('error', (e) => d.destroy(e));
  return d;
}
