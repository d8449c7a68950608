import { createHash, createHmac, getHashes } from 'node:crypto';
import { syntaxError } from '../../config/config-errors.js';
import { registerConverter } from '../sample-registry.js';
import { txnOf } from '../../acl/sample-source.js';
import { parseVarName } from '../txn.js';
import { valueToString } from '../sample-types.js';

/** Digests, comparisons against variables, URL encoding and date formatting. */

const bytes = (v: unknown) => Buffer.from(v as string, 'latin1');
const digest = (alg: string) => (v: unknown) => createHash(alg).update(bytes(v)).digest().toString('latin1');

registerConverter('sha1', { input: 'bin', output: 'bin', args: [0, 0], compile: () => digest('sha1') });
registerConverter('sha2', {
  input: 'bin',
  output: 'bin',
  args: [0, 1],
  compile: (args, { at }) => {
    const bits = args[0] ?? '256';
    if (!['224', '256', '384', '512'].includes(bits)) throw syntaxError(at, `sha2: bits must be 224, 256, 384 or 512, got '${bits}'`);
    return digest(`sha${bits}`);
  },
});
registerConverter('digest', {
  input: 'bin',
  output: 'bin',
  args: [1, 1],
  compile: (args, { at }) => {
    const alg = args[0]!.toLowerCase();
    if (!getHashes().includes(alg)) throw syntaxError(at, `digest: unknown algorithm '${args[0]}'`);
    return digest(alg);
  },
});
registerConverter('hmac', {
  input: 'bin',
  output: 'bin',
  args: [2, 2],
  compile: (args, { at }) => {
    const alg = args[0]!.toLowerCase();
    if (!getHashes().includes(alg)) throw syntaxError(at, `hmac: unknown algorithm '${args[0]}'`);
    const ref = parseVarName(args[1]!);
    if (!ref) throw syntaxError(at, `hmac: the key must be a variable name (SCOPE.NAME) holding it in base64`);
    return (v, src) => {
      const key = txnOf(src).getVar(ref.scope, ref.name);
      if (key === undefined) return undefined;
      return createHmac(alg, Buffer.from(valueToString(key), 'base64'))
        .update(bytes(v))
        .digest()
        .toString('latin1');
    };
  },
});

/** strcmp/secure_memcmp against a variable: 0 when equal (strcmp also gives the order). */
function varCompare(name: string, secure: boolean): void {
  registerConverter(name, {
    input: secure ? 'bin' : 'str',
    output: secure ? 'bool' : 'int',
    args: [1, 1],
    compile: (args, { at }) => {
      const ref = parseVarName(args[0]!);
      if (!ref) throw syntaxError(at, `${name}: needs a variable name (SCOPE.NAME)`);
      return (v, src) => {
        const other = txnOf(src).getVar(ref.scope, ref.name);
        if (other === undefined) return undefined;
        const a = v as string;
        const b = valueToString(other);
        if (secure) return a === b;
        return a < b ? -1 : a > b ? 1 : 0;
      };
    },
  });
}
varCompare('strcmp', false);
varCompare('secure_memcmp', true);

/** url_enc: percent-encodes every byte outside unreserved characters (the query-string table). */
registerConverter('url_enc', {
  input: 'str',
  output: 'str',
  args: [0, 1],
  compile: (args, { at }) => {
    if (args[0] !== undefined && args[0] !== 'query') throw syntaxError(at, `url_enc: only 'query' is supported as encoding type`);
    return (v) => {
      let out = '';
      for (const b of bytes(v)) {
        const c = String.fromCharCode(b);
        out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      return out;
    };
  },
});

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The strftime conversions configurations use; the date parts come from UTC or local time. */
function strftime(fmt: string, d: Date, utc: boolean): string {
  const Y = utc ? d.getUTCFullYear() : d.getFullYear();
  const m = utc ? d.getUTCMonth() : d.getMonth();
  const day = utc ? d.getUTCDate() : d.getDate();
  const H = utc ? d.getUTCHours() : d.getHours();
  const M = utc ? d.getUTCMinutes() : d.getMinutes();
  const S = utc ? d.getUTCSeconds() : d.getSeconds();
  const wd = utc ? d.getUTCDay() : d.getDay();
  const off = utc ? 0 : -d.getTimezoneOffset();
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86400000) + 1;
  return fmt.replace(/%([a-zA-Z%])/g, (all, c: string) => {
    switch (c) {
      case 'Y':
        return String(Y);
      case 'y':
        return pad(Y % 100);
      case 'm':
        return pad(m + 1);
      case 'd':
        return pad(day);
      case 'e':
        return String(day).padStart(2, ' ');
      case 'H':
        return pad(H);
      case 'M':
        return pad(M);
      case 'S':
        return pad(S);
      case 'a':
        return DAYS[wd]!;
      case 'b':
      case 'h':
        return MONTHS[m]!;
      case 'j':
        return pad(yday, 3);
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case 'T':
        return `${pad(H)}:${pad(M)}:${pad(S)}`;
      case 'F':
        return `${Y}-${pad(m + 1)}-${pad(day)}`;
      case 'z':
        return `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
      case 'Z':
        return utc
          ? 'GMT'
          : (Intl.DateTimeFormat('en', { timeZoneName: 'short' })
              .formatToParts(d)
              .find((p) => p.type === 'timeZoneName')?.value ?? '');
      case '%':
        return '%';
      default:
        return all;
    }
  });
}

for (const [name, utc] of [
  ['utime', true],
  ['ltime', false],
] as const) {
  registerConverter(name, {
    input: 'int',
    output: 'str',
    args: [1, 2],
    compile: (args) => {
      const offset = args[1] ? Number(args[1]) : 0;
      return (v) => strftime(args[0]!, new Date((Number(v) + offset) * 1000), utc);
    },
  });
}

/** http_date([offset[,unit]]): an IMF-fixdate from seconds (or ms/us with the unit). */
registerConverter('http_date', {
  input: 'int',
  output: 'str',
  args: [0, 2],
  compile: (args, { at }) => {
    const offset = args[0] ? Number(args[0]) : 0;
    const unit = args[1] ?? 's';
    if (!['s', 'ms', 'us'].includes(unit)) throw syntaxError(at, `http_date: unit must be s, ms or us`);
    const div = unit === 'ms' ? 1000 : unit === 'us' ? 1_000_000 : 1;
    return (v) => {
      const secs = Math.floor(Number(v) / div) + offset;
      return strftime('%a, %d %b %Y %H:%M:%S GMT', new Date(secs * 1000), true);
    };
  },
});
