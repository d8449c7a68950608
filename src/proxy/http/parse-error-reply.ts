import type { ProxySection } from '../config/model.js';
import { builtinErrorPage } from './builtin-errors.js';
import { serializeErrorFile } from './error-reply.js';

/**
 * What the client gets when its request head is refused before any rule runs
 * (malformed head, head too large, too slow): the frontend's errorfile for
 * the status if it has one, else HAProxy 2.6's raw built-in message. HAProxy's
 * HTTP/1 layer writes that message as stored, with its own header spelling
 * (`Content-length`, `Cache-Control`, `Connection: close`, `Content-Type`),
 * unlike pages that go through the rules engine.
 */
export function parseErrorReply(status: 400 | 408 | 501 | 505, fe: ProxySection | undefined): Buffer {
  const custom = fe?.settings.errorFiles?.get(status);
  if (custom) return serializeErrorFile(custom, true, false);
  const cached = RAW.get(status);
  if (cached) return cached;
  const page = builtinErrorPage(status);
  const reason = page?.reason ?? (status === 505 ? 'HTTP Version Not Supported' : 'Error');
  const body = page?.body ?? Buffer.from(`<html><body><h1>${status} ${reason}</h1>\n${reason}.\n</body></html>\n`, 'latin1');
  const out = Buffer.concat([
    Buffer.from(
      `HTTP/1.1 ${status} ${reason}\r\nContent-length: ${body.length}\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n`,
      'latin1',
    ),
    body,
  ]);
  RAW.set(status, out);
  return out;
}

const RAW = new Map<number, Buffer>();
