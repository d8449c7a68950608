import { evalSampleOne, parseSampleExpr } from '../sample/sample-expr.js';
import { valueToString } from '../sample/sample-types.js';
import { sampleExprEnd } from '../sample/sample-args.js';
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
  private constructor(
    private readonly parts: Part[],
    readonly isConstant: boolean,
  ) {}

  /** `side` refuses fetches that cannot work where the string is rendered (path in http-response, status in http-request). */
  static compile(text: string, loc: Loc, side?: 'request' | 'response', beforeBackend = false): LogFormat {
    const parts: Part[] = [];
    let literal = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c !== '%') {
        literal += c;
        continue;
      }
      const next = text[i + 1];
      if (next === '%') {
        literal += '%';
        i++;
        continue;
      }
      if (next === '[') {
        const close = sampleExprEnd(text, i + 2);
        if (close < 0) throw syntaxError(loc, `'%[' without ']' in '${text}'`);
        const expr = parseSampleExpr(
          text.slice(i + 2, close),
          loc,
          side ? { context: `'${text}'`, side, beforeBackend } : { context: `'${text}'`, beforeBackend },
        );
        if (literal) {
          parts.push(literal);
          literal = '';
        }
        parts.push((src) => {
          const v = evalSampleOne(expr, src);
          return v === undefined ? '' : valueToString(v);
        });
        i = close;
        continue;
      }
      const m = /^[A-Za-z]+/.exec(text.slice(i + 1));
      const v = m ? VARIABLES[m[0]] : undefined;
      if (!m || !v)
        throw unsupportedError(loc, `log-format variable '%${m ? m[0] : (next ?? '')}' is not supported here; use %[fetch] or write %% for a percent sign`);
      if (literal) {
        parts.push(literal);
        literal = '';
      }
      parts.push(v);
      i += m[0].length;
    }
    if (literal) parts.push(literal);
    return new LogFormat(
      parts,
      parts.every((p) => typeof p === 'string'),
    );
  }

  render(src: SampleSource): string {
    if (this.parts.length === 1 && typeof this.parts[0] === 'string') return this.parts[0];
    let out = '';
    for (const p of this.parts) out += typeof p === 'string' ? p : p(src);
    return out;
  }
}
