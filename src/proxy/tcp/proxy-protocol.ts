import { isIPv4, isIPv6 } from 'node:net';

/**
 * The PROXY protocol (versions 1 and 2): the header a proxy writes first on a
 * connection to a server so the server learns the client's addresses, and
 * the reader for `bind … accept-proxy`.
 */
export interface ProxiedAddresses {
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function plain(addr: string): string {
  return addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
}

/** Both addresses of one family, or undefined when they differ or are unknown. */
function family(a: ProxiedAddresses): { src: string; dst: string; v6: boolean } | undefined {
  const src = plain(a.srcAddr);
  const dst = plain(a.dstAddr);
  if (isIPv4(src) && isIPv4(dst)) return { src, dst, v6: false };
  if (isIPv6(src) || isIPv6(dst)) {
    const six = (x: string) => (isIPv4(x) ? `::ffff:${x}` : x);
    return { src: six(src), dst: six(dst), v6: true };
  }
  return undefined;
}

export function proxyHeaderV1(a: ProxiedAddresses): Buffer {
  const f = family(a);
  if (!f) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY ${f.v6 ? 'TCP6' : 'TCP4'} ${f.src} ${f.dst} ${a.srcPort} ${a.dstPort}\r\n`, 'latin1');
}

export function proxyHeaderV2(a: ProxiedAddresses): Buffer {
  const f = family(a);
  if (!f) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x00, 0x00, 0x00])]);
  const addrLen = f.v6 ? 36 : 12;
  const head = Buffer.alloc(16 + addrLen);
  V2_SIGNATURE.copy(head, 0);
  head[12] = 0x21; // version 2, PROXY command
  head[13] = f.v6 ? 0x21 : 0x11; // AF_INET6 or AF_INET, over STREAM
  head.writeUInt16BE(addrLen, 14);
  const src = ipBytes(f.src, f.v6);
  const dst = ipBytes(f.dst, f.v6);
  src.copy(head, 16);
  dst.copy(head, 16 + src.length);
  head.writeUInt16BE(a.srcPort, 16 + 2 * src.length);
  head.writeUInt16BE(a.dstPort, 18 + 2 * src.length);
  return head;
}

function ipBytes(addr: string, v6: boolean): Buffer {
  if (!v6) return Buffer.from(addr.split('.').map(Number));
  const out = Buffer.alloc(16);
  let text = addr;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const parts = v4tail[1]!.split('.').map(Number);
    text = `${text.slice(0, -v4tail[1]!.length)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

/** What reading a header gave: addresses (or none for LOCAL/UNKNOWN) and bytes used; 'partial' wants more. */
export type ProxyHeaderRead = { addresses?: ProxiedAddresses; consumed: number } | 'partial' | 'invalid';

export function readProxyHeader(data: Buffer): ProxyHeaderRead {
  if (data.length === 0) return 'partial';
  if (data[0] === 0x0d) return readV2(data);
  if (data[0] === 0x50) return readV1(data);
  return 'invalid';
}

function readV1(data: Buffer): ProxyHeaderRead {
  const prefix = 'PROXY ';
  const have = data.subarray(0, Math.min(data.length, prefix.length)).toString('latin1');
  if (!prefix.startsWith(have)) return 'invalid';
  const eol = data.indexOf('\r\n');
  if (eol < 0) return data.length >= 107 ? 'invalid' : 'partial';
  const line = data.subarray(0, eol).toString('latin1');
  const m = /^PROXY (?:UNKNOWN(?: .*)?|(TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5}))$/.exec(line);
  if (!m) return 'invalid';
  if (!m[1]) return { consumed: eol + 2 };
  const ok = m[1] === 'TCP4' ? isIPv4(m[2]!) && isIPv4(m[3]!) : isIPv6(m[2]!) && isIPv6(m[3]!);
  if (!ok || Number(m[4]) > 65535 || Number(m[5]) > 65535) return 'invalid';
  return { addresses: { srcAddr: m[2]!, dstAddr: m[3]!, srcPort: Number(m[4]), dstPort: Number(m[5]) }, consumed: eol + 2 };
}

function readV2(data: Buffer): ProxyHeaderRead {
  const sigPart = data.subarray(0, Math.min(data.length, 12));
  if (!V2_SIGNATURE.subarray(0, sigPart.length).equals(sigPart)) return 'invalid';
  if (data.length < 16) return 'partial';
  const verCmd = data[12]!;
  if (verCmd >> 4 !== 2) return 'invalid';
  const len = data.readUInt16BE(14);
  if (data.length < 16 + len) return 'partial';
  const consumed = 16 + len;
  if ((verCmd & 0x0f) === 0) return { consumed }; // LOCAL: keep the real addresses
  const fam = data[13]!;
  if (fam === 0x11 && len >= 12) {
    const b = data.subarray(16);
    return {
      addresses: {
        srcAddr: [...b.subarray(0, 4)].join('.'),
        dstAddr: [...b.subarray(4, 8)].join('.'),
        srcPort: b.readUInt16BE(8),
        dstPort: b.readUInt16BE(10),
      },
      consumed,
    };
  }
  if (fam === 0x21 && len >= 36) {
    const b = data.subarray(16);
    const six = (o: number) => Array.from({ length: 8 }, (_, i) => b.readUInt16BE(o + i * 2).toString(16)).join(':');
    return { addresses: { srcAddr: six(0), dstAddr: six(16), srcPort: b.readUInt16BE(32), dstPort: b.readUInt16BE(34) }, consumed };
  }
  return { consumed };
}
