import { isIPv4, isIPv6 } from 'node:net';

function v4ToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function v6ToBigInt(ip: string): bigint {
  let text = ip;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hex groups first.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4ToInt(dotted[1]!);
    text = text.slice(0, dotted.index) + (n >>> 16).toString(16) + ':' + (n & 0xffff).toString(16);
  }
  const [head, tail] = text.split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
  return n;
}

/** Compiles IPv4/IPv6 addresses and CIDR networks into one membership test. */
export function ipMatcher(patterns: readonly string[]): (addr: string) => boolean {
  const v4: [number, number][] = [];
  const v6: [bigint, bigint][] = [];
  for (const p of patterns) {
    const [ip, bitsText] = p.split('/') as [string, string?];
    if (isIPv4(ip)) {
      let bits = 32;
      if (bitsText !== undefined) bits = bitsText.includes('.') ? 32 - Math.clz32(~v4ToInt(bitsText) >>> 0) : Number(bitsText);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      v4.push([(v4ToInt(ip) & mask) >>> 0, mask]);
    } else if (isIPv6(ip)) {
      const bits = BigInt(bitsText === undefined ? 128 : Number(bitsText));
      const mask = bits === 0n ? 0n : ((1n << 128n) - 1n) ^ ((1n << (128n - bits)) - 1n);
      v6.push([v6ToBigInt(ip) & mask, mask]);
    }
  }
  return (addr) => {
    let a = addr;
    if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) a = a.slice(7);
    if (isIPv4(a)) {
      const n = v4ToInt(a);
      return v4.some(([net, mask]) => (n & mask) >>> 0 === net);
    }
    if (isIPv6(a)) {
      const n = v6ToBigInt(a);
      return v6.some(([net, mask]) => (n & mask) === net);
    }
    return false;
  };
}

/** True when every pattern is an address or network (checked at parse time). */
export function isIpPattern(p: string): boolean {
  const [ip, bits] = p.split('/') as [string, string?];
  if (!(isIPv4(ip) || isIPv6(ip))) return false;
  return bits === undefined || /^\d+$/.test(bits) || isIPv4(bits);
}
