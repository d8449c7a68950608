import { parseFetch } from '../acl/fetch-catalog.js';
import { fetchSample } from '../acl/sample-fetch.js';
import type { SampleSource } from '../acl/sample-source.js';
import { unsupportedError, syntaxError } from '../config/config-errors.js';
import type { Loc } from '../config/model.js';

type Part = string | ((src: SampleSource) => string);

/** A few log-format variables make sense at request time; these are them. */
const VARIABLES: Record<string, (src: SampleSource) => string> = {
  ci: (s) => s.srcAddr.replace(/^::ffff:(?=\d+\.)/, ''),
  fp: (s) => String(s.dstPort),
  HM: (s) => s.method,
  HU: (s) => s.uri,
  HV: (s) => `HTTP/${s.version}`,
};

/**
 * A compiled log-format string, as used by set-header, set-path and friends:
 * literal text, `%%`, `%[fetch(args)]` and a few `%X` variables.
 */
export class LogFormat {
  private constructor(private readonly parts: Part[], readonly isConstant: boolean) {}

  static compile(text: string, loc: Loc): LogFormat {
    const parts: Part[] = [];
    let literal = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c !== '%') { literal += c; continue; }
      const next = text[i + 1];
      if (next === '%') { literal += '%'; i++; continue; }
      if (next === '[') {
        const close = text.indexOf(']', i + 2);
        if (close < 0) throw syntaxError(loc, `'%[' without ']' in '${text}'`);
        const expr = text.slice(i + 2, close);
        const parsed = parseFetch(expr);
        if (parsed === 'converter') throw unsupportedError(loc, `converters in '%[${expr}]' are not supported; use the plain fetch`);
        if (!parsed) throw unsupportedError(loc, `unknown or unsupported sample fetch '${expr}' in '${text}'`);
        if (parsed.suffixMatch) throw unsupportedError(loc, `'${expr}' is an ACL-only form; use the fetch without suffix`);
        if (literal) { parts.push(literal); literal = ''; }
        const { spec, args } = parsed;
        parts.push((src) => {
          const s = fetchSample(spec.canonical, args, src, false);
          return Array.isArray(s) ? (s[0] ?? '') : typeof s === 'boolean' ? (s ? '1' : '0') : String(s);
        });
        i = close;
        continue;
      }
      const m = /^[A-Za-z]+/.exec(text.slice(i + 1));
      const v = m ? VARIABLES[m[0]] : undefined;
      if (!m || !v) throw unsupportedError(loc, `log-format variable '%${m ? m[0] : next ?? ''}' is not supported here; use %[fetch] or write %% for a percent sign`);
      if (literal) { parts.push(literal); literal = ''; }
      parts.push(v);
      i += m[0].length;
    }
    if (literal) parts.push(literal);
    return new LogFormat(parts, parts.every((p) => typeof p === 'string'));
  }

  render(src: SampleSource): string {
    if (this.parts.length === 1 && typeof this.parts[0] === 'string') return this.parts[0];
    let out = '';
    for (const p of this.parts) out += typeof p === 'string' ? p : p(src);
    return out;
  }
}
