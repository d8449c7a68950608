import type { Socket } from 'node:net';
import type { CheckRule } from '../config/server-model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { LogFormat } from '../http/log-format.js';
import { proxyHeaderV1 } from '../tcp/proxy-protocol.js';
import { runCustomExpect } from './custom-expects.js';

export { runCustomExpect };

const formats = new Map<string, LogFormat>();

/** The sample source of a check: no client, no request; only the server's port is known. */
function checkSource(port: number): SampleSource {
  return { method: '', uri: '', version: '', headers: [], srcAddr: '', dstPort: port, ssl: false, sni: undefined };
}

/**
 * The bytes of one `tcp-check send…` step as sent now: log-format lines are
 * rendered (send-binary-lf as hex digits), and the SSL hello gets the current
 * time as HAProxy writes it.
 */
export function sendData(rule: CheckRule & { kind: 'send' }, port: number): string {
  let data = rule.data;
  if (rule.format) {
    let f = formats.get(rule.format.text);
    if (!f) {
      f = LogFormat.compile(rule.format.text, rule.loc);
      formats.set(rule.format.text, f);
    }
    const text = f.render(checkSource(port));
    data = rule.format.binary ? Buffer.from(text.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1') : text;
  }
  if (rule.gmtTimeAt !== undefined) {
    const t = Buffer.alloc(4);
    t.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0);
    data = data.slice(0, rule.gmtTimeAt) + t.toString('latin1') + data.slice(rule.gmtTimeAt + 4);
  }
  return data;
}

/** PROXY v2 with the LOCAL command and no addresses: what a v2 server's checks start with. */
const LOCAL_V2 = Buffer.from('0d0a0d0a000d0a515549540a' + '20' + '00' + '0000', 'hex');

/** The PROXY header of a check connection: v1 names the connection's own two ends, v2 says LOCAL. */
export function checkProxyHeader(sock: Socket, version: 1 | 2): Buffer {
  if (version === 2) return LOCAL_V2;
  return proxyHeaderV1({
    srcAddr: sock.localAddress ?? '127.0.0.1',
    srcPort: sock.localPort ?? 0,
    dstAddr: sock.remoteAddress ?? '127.0.0.1',
    dstPort: sock.remotePort ?? 0,
  });
}
