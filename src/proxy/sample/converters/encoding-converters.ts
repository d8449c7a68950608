import { isIPv4, isIPv6 } from 'node:net';
import { syntaxError } from '../../config/config-errors.js';
import { registerConverter } from '../sample-registry.js';
import { intResult } from '../sample-types.js';
import { crc32, djb2, fullHash, sdbm, wt6 } from '../../balance/hash-functions.js';
import { xxh64 } from '../../balance/xxh64.js';

/** Byte encodings, hashes and address masks. Strings carry bytes as latin1. */

const bytesOf = (s: string) => Buffer.from(s, 'latin1');

registerConverter('base64', { input: 'bin', output: 'str', args: [0, 0], compile: () => (v) => bytesOf(v as string).toString('base64') });
registerConverter('b64dec', {
  input: 'str',
  output: 'bin',
  args: [0, 0],
  compile: () => (v) => {
    const s = v as string;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
    return Buffer.from(s, 'base64').toString('latin1');
  },
});
registerConverter('ub64enc', { input: 'bin', output: 'str', args: [0, 0], compile: () => (v) => bytesOf(v as string).toString('base64url') });
registerConverter('ub64dec', {
  input: 'str',
  output: 'bin',
  args: [0, 0],
  compile: () => (v) => {
    const s = v as string;
    if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
    return Buffer.from(s, 'base64url').toString('latin1');
  },
});
registerConverter('hex', {
  input: 'bin',
  output: 'str',
  args: [0, 0],
  compile: () => (v) =>
    bytesOf(v as string)
      .toString('hex')
      .toUpperCase(),
});
registerConverter('bytes', {
  input: 'bin',
  output: 'bin',
  args: [1, 2],
  compile: (args, { at }) => {
    for (const a of args) if (!/^\d+$/.test(a)) throw syntaxError(at, `bytes: offset and length must be whole numbers, got '${a}'`);
    const off = Number(args[0]);
    const len = args[1] === undefined ? undefined : Number(args[1]);
    return (v) => {
      const s = v as string;
      if (off >= s.length) return undefined;
      return len === undefined ? s.slice(off) : s.slice(off, off + len);
    };
  },
});

/**
 * Decodes latin1-held bytes as UTF-8. An invalid sequence fails the
 * conversion, or is dropped byte by byte when `skip` (json's utf8s modes).
 */
function decodeUtf8(bytes: string, skip: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes.charCodeAt(i);
    const len = b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0;
    let cp = len === 1 ? b0 : len === 2 ? b0 & 0x1f : len === 3 ? b0 & 0x0f : b0 & 0x07;
    let ok = len > 0 && i + len <= bytes.length;
    for (let k = 1; ok && k < len; k++) {
      const c = bytes.charCodeAt(i + k);
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && ((len === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
    if (!ok) {
      if (!skip) return undefined;
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** JSON string escaping; `ascii` (the default) escapes every byte above 0x7e as \uXXXX. */
registerConverter('json', {
  input: 'str',
  output: 'str',
  args: [0, 1],
  compile: (args, { at }) => {
    const mode = args[0] ?? 'ascii';
    if (!['ascii', 'utf8', 'utf8s', 'utf8p', 'utf8ps'].includes(mode))
      throw syntaxError(at, `json: unknown input mode '${mode}' (ascii, utf8, utf8s, utf8p, utf8ps)`);
    return (v) => {
      const s = mode === 'ascii' ? (v as string) : decodeUtf8(v as string, mode.includes('s'));
      if (s === undefined) return undefined;
      let out = '';
      for (const ch of s) {
        const c = ch.codePointAt(0)!;
        if (ch === '"') out += '\\"';
        else if (ch === '\\') out += '\\\\';
        else if (ch === '/') out += '\\/';
        else if (ch === '\n') out += '\\n';
        else if (ch === '\r') out += '\\r';
        else if (ch === '\t') out += '\\t';
        else if (ch === '\b') out += '\\b';
        else if (ch === '\f') out += '\\f';
        else if (c < 0x20 || (mode === 'ascii' && c > 0x7e) || (c > 0x7e && c <= 0xffff && mode !== 'ascii')) out += `\\u${c.toString(16).padStart(4, '0')}`;
        else out += ch;
      }
      return out;
    };
  },
});

const hashOf = (fn: (b: Uint8Array) => number) => (s: string) => fn(Buffer.from(s, 'latin1'));
for (const [name, raw] of [
  ['djb2', djb2],
  ['sdbm', sdbm],
  ['crc32', crc32],
  ['wt6', wt6],
] as const) {
  const fn = hashOf(raw);
  registerConverter(name, {
    input: 'bin',
    output: 'int',
    args: [0, 1],
    // A non-zero argument mixes the result with HAProxy's avalanche hash.
    compile: (args) => {
      const av = args[0] !== undefined && Number(args[0]) !== 0;
      return (v) => (av ? fullHash(fn(v as string)) : fn(v as string));
    },
  });
}

function v4ToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
function intToV4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
function v4Mask(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const b = Number(text);
    if (b > 32) return null;
    return b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  }
  return isIPv4(text) ? v4ToInt(text) : null;
}

registerConverter('ipmask', {
  input: 'ip',
  output: 'ip',
  args: [1, 2],
  compile: (args, { at }) => {
    const m4 = v4Mask(args[0]!);
    if (m4 === null) throw syntaxError(at, `ipmask: invalid IPv4 mask '${args[0]}'`);
    let m6: number | null = null;
    if (args[1] !== undefined) {
      if (!/^\d+$/.test(args[1]) || Number(args[1]) > 128) throw syntaxError(at, `ipmask: invalid IPv6 mask '${args[1]}'`);
      m6 = Number(args[1]);
    }
    return (v) => {
      const ip = v as string;
      if (isIPv4(ip)) return intToV4((v4ToInt(ip) & m4) >>> 0);
      if (!isIPv6(ip)) return undefined;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
      if (mapped) return intToV4((v4ToInt(mapped[1]!) & m4) >>> 0);
      return m6 === null ? ip : maskV6(ip, m6);
    };
  },
});

function maskV6(ip: string, bits: number): string {
  const [head, tail] = ip.split('::') as [string, string?];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = (tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]).map((g) => parseInt(g || '0', 16));
  const out = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff);
  });
  // Shortest text form: the longest run of zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (out[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && out[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = out.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** xxh64([seed]): HAProxy returns the 64-bit hash as a signed integer. */
registerConverter('xxh64', {
  input: 'bin',
  output: 'int',
  args: [0, 1],
  compile: (args, { at }) => {
    if (args[0] !== undefined && !/^\d+$/.test(args[0])) throw syntaxError(at, `xxh64: the seed must be a whole number`);
    const seed = BigInt(args[0] ?? 0);
    return (v) => intResult(BigInt.asIntN(64, xxh64(bytesOf(v as string), seed)));
  },
});
