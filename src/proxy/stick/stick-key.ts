import { isIPv4, isIPv6 } from 'node:net';
import type { StickKeyType } from './stick-data.js';

/** Canonical text of an IPv6 address, so that one address is one key however it is written. */
function canonicalV6(addr: string): string {
  try {
    return new URL(`http://[${addr}]/`).hostname.slice(1, -1);
  } catch {
    return addr.toLowerCase();
  }
}

/**
 * Converts a sample into a table key of the table's type, as HAProxy casts
 * samples: an IPv4-mapped IPv6 address fits an `ip` table, an IPv4 address
 * becomes `::ffff:a.b.c.d` in an `ipv6` table, strings are cut to the key
 * length. Undefined when the sample does not convert (nothing is tracked).
 */
export function toStickKey(type: StickKeyType, keyLen: number, value: string | number | bigint | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  switch (type) {
    case 'ip': {
      if (isIPv4(text)) return text;
      if (isIPv6(text)) {
        const v6 = canonicalV6(text);
        const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
        if (m) return m[1];
        const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
        if (hex) {
          const a = parseInt(hex[1]!, 16);
          const b = parseInt(hex[2]!, 16);
          return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
        }
      }
      return undefined;
    }
    case 'ipv6':
      if (isIPv4(text)) return `::ffff:${text}`;
      if (isIPv6(text)) {
        const v6 = canonicalV6(text);
        const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
        if (hex) {
          const a = parseInt(hex[1]!, 16);
          const b = parseInt(hex[2]!, 16);
          return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
        }
        return v6;
      }
      return undefined;
    case 'integer': {
      // Keys are 32-bit unsigned in HAProxy: text without digits is 0, -5 wraps around.
      if (typeof value === 'number') return String(Math.trunc(value) >>> 0);
      if (typeof value === 'bigint') return String(BigInt.asUintN(32, value));
      const m = /^\s*([+-]?\d+)/.exec(text);
      return String((m ? Number(m[1]) : 0) >>> 0);
    }
    case 'string':
    case 'binary': {
      const bytes = Buffer.from(text, 'latin1');
      return bytes.length > keyLen ? bytes.subarray(0, keyLen).toString('latin1') : text;
    }
  }
}
