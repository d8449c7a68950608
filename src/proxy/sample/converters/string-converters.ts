import { syntaxError } from '../../config/config-errors.js';
import { registerConverter } from '../sample-registry.js';
import { txnOf } from '../../acl/sample-source.js';
import { parseVarName } from '../txn.js';
import { valueToString } from '../sample-types.js';

/** Converters that reshape strings: case, regsub, field/word, trimming, url decoding, concat. */

const str = { input: 'str', output: 'str' } as const;

registerConverter('lower', { ...str, args: [0, 0], compile: () => (v) => (v as string).toLowerCase() });
registerConverter('upper', { ...str, args: [0, 0], compile: () => (v) => (v as string).toUpperCase() });
registerConverter('length', { input: 'str', output: 'int', args: [0, 0], compile: () => (v) => (v as string).length });

/** Turns HAProxy's `\1`-style references into a replacer for String.replace. */
export function compileSubst(subst: string): (m: RegExpExecArray | string[]) => string {
  return (m) => subst.replace(/\\(\d)|\\\\/g, (all, d: string | undefined) => (d === undefined ? '\\' : (m[Number(d)] ?? '')));
}

registerConverter('regsub', {
  ...str,
  args: [2, 3],
  compile: (args, { at }) => {
    const flags = args[2] ?? '';
    for (const f of flags) if (f !== 'i' && f !== 'g') throw syntaxError(at, `regsub: invalid flag '${f}' (use i and g)`);
    let re: RegExp;
    try {
      re = new RegExp(args[0]!, flags.includes('i') ? 'gi' : 'g');
    } catch {
      throw syntaxError(at, `regsub: invalid regular expression '${args[0]}'`);
    }
    const global = flags.includes('g');
    const subst = compileSubst(args[1]!);
    return (v) => {
      const s = v as string;
      re.lastIndex = 0;
      let out = '';
      let last = 0;
      for (;;) {
        const m = re.exec(s);
        if (!m) break;
        out += s.slice(last, m.index) + subst(m);
        last = m.index + m[0].length;
        if (m[0].length === 0) {
          // An empty match still moves on by one character, as PCRE loops do.
          if (m.index < s.length) out += s[m.index];
          last = m.index + 1;
          re.lastIndex = m.index + 1;
          if (last > s.length) break;
        }
        if (!global) break;
      }
      return out + s.slice(last);
    };
  },
});

function fieldArgs(args: string[], at: { file: string; line: number }, what: string): { index: number; delims: string; count: number } {
  if (!/^-?\d+$/.test(args[0]!) || Number(args[0]) === 0) throw syntaxError(at, `${what}: index must be a non-zero whole number, got '${args[0]}'`);
  if (args[2] !== undefined && !/^\d+$/.test(args[2])) throw syntaxError(at, `${what}: count must be a whole number, got '${args[2]}'`);
  if (!args[1]) throw syntaxError(at, `${what}: needs at least one delimiter character`);
  return { index: Number(args[0]), delims: args[1], count: args[2] === undefined ? 1 : Number(args[2]) };
}

/** Splits on any delimiter character; `merge` drops empty pieces (word()). */
function pieces(s: string, delims: string, merge: boolean): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || delims.includes(s[i]!)) {
      if (!merge || i > start) out.push({ text: s.slice(start, i), start, end: i });
      start = i + 1;
    }
  }
  return out;
}

/**
 * field()/word(): pieces index..index+count-1 (or from the end when the index
 * is negative), joined by the original text between them; count 0 means up to the end.
 */
function extract(s: string, p: { index: number; delims: string; count: number }, merge: boolean): string | undefined {
  const all = pieces(s, p.delims, merge);
  let from: number;
  let to: number;
  if (p.index > 0) {
    from = p.index - 1;
    to = p.count === 0 ? all.length - 1 : from + p.count - 1;
  } else {
    to = all.length + p.index;
    from = p.count === 0 ? 0 : to - p.count + 1;
  }
  if (from < 0) from = 0;
  if (to >= all.length) to = all.length - 1;
  if (to < 0 || from >= all.length || from > to) return '';
  // A count of 0 reaches the edge of the text itself, delimiters included (as HAProxy does for word()).
  const start = p.count === 0 && p.index < 0 ? 0 : all[from]!.start;
  const end = p.count === 0 && p.index > 0 ? s.length : all[to]!.end;
  return s.slice(start, end);
}

registerConverter('field', {
  ...str,
  args: [2, 3],
  compile: (args, { at }) => {
    const p = fieldArgs(args, at, 'field');
    return (v) => extract(v as string, p, false);
  },
});
registerConverter('word', {
  ...str,
  args: [2, 3],
  compile: (args, { at }) => {
    const p = fieldArgs(args, at, 'word');
    return (v) => extract(v as string, p, true);
  },
});

registerConverter('ltrim', {
  ...str,
  args: [1, 1],
  compile: (args) => {
    const set = args[0]!;
    return (v) => {
      const s = v as string;
      let i = 0;
      while (i < s.length && set.includes(s[i]!)) i++;
      return s.slice(i);
    };
  },
});
registerConverter('rtrim', {
  ...str,
  args: [1, 1],
  compile: (args) => {
    const set = args[0]!;
    return (v) => {
      const s = v as string;
      let i = s.length;
      while (i > 0 && set.includes(s[i - 1]!)) i--;
      return s.slice(0, i);
    };
  },
});

/** %XX decoding over bytes; `+` becomes a space only in form mode. Bad escapes fail. */
export function urlDecode(s: string, form: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (c === '+' && form) out += ' ';
    else out += c;
  }
  return out;
}

registerConverter('url_dec', {
  ...str,
  args: [0, 1],
  // Without argument, '+' turns into a space only after a '?' (the query part).
  compile: (args) => {
    const form = args[0] === undefined ? null : Number(args[0]) !== 0;
    return (v) => {
      const s = v as string;
      if (form !== null) return urlDecode(s, form);
      const q = s.indexOf('?');
      if (q < 0) return urlDecode(s, false);
      const a = urlDecode(s.slice(0, q), false);
      const b = urlDecode(s.slice(q), true);
      return a === undefined || b === undefined ? undefined : a + b;
    };
  },
});

registerConverter('concat', {
  ...str,
  args: [0, 3],
  compile: (args, { at }) => {
    const [before = '', varText, after = ''] = args;
    const ref = varText ? parseVarName(varText) : null;
    if (varText && !ref) throw syntaxError(at, `concat: invalid variable name '${varText}'`);
    return (v, src) => {
      const mid = ref ? txnOf(src).getVar(ref.scope, ref.name) : undefined;
      return (v as string) + before + (mid === undefined ? '' : valueToString(mid)) + after;
    };
  },
});

/** host_only/port_only read a Host-like "name[:port]" (brackets around IPv6). */
function splitHostPort(s: string): { host: string; port: string | undefined } {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close > 0) return { host: s.slice(0, close + 1), port: s[close + 1] === ':' ? s.slice(close + 2) : undefined };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0 || s.indexOf(':') !== colon) return { host: s, port: undefined };
  return { host: s.slice(0, colon), port: s.slice(colon + 1) };
}
registerConverter('host_only', { ...str, args: [0, 0], compile: () => (v) => splitHostPort(v as string).host });
registerConverter('port_only', {
  input: 'str',
  output: 'int',
  args: [0, 0],
  compile: () => (v) => {
    const p = splitHostPort(v as string).port;
    return p === undefined ? 0 : Number(/^\d*/.exec(p)![0]) || 0;
  },
});

/** iif(TRUE,FALSE): one of two strings by the boolean value of the sample. */
registerConverter('iif', { input: 'bool', output: 'str', args: [2, 2], compile: (args) => (v) => (v ? args[0]! : args[1]!) });

/** cut_crlf: the text up to the first CR or LF. */
registerConverter('cut_crlf', { ...str, args: [0, 0], compile: () => (v) => (v as string).split(/[\r\n]/, 1)[0]! });
