import { syntaxError } from './config-errors.js';

/** The HAProxy release whose behaviour docklab's balancer follows; `.if version_atleast()` compares against it. */
export const HAPROXY_COMPAT_VERSION = '2.6.12';

/**
 * Build features `.if feature(NAME)` reports as present: only what docklab
 * really provides, so that blocks guarded by absent features (LUA, QUIC,
 * ZLIB…) are skipped instead of being refused later.
 */
export const DOCKLAB_FEATURES = new Set(['OPENSSL', 'THREAD', 'EPOLL', 'POLL', 'GETADDRINFO', 'REGPARM', 'ACCEPT4']);

interface Ctx {
  readonly env: NodeJS.ProcessEnv;
  readonly at: { file: string; line: number };
}

/**
 * Evaluates the expression of `.if`/`.elif` as HAProxy 2.6 does: the words
 * after the directive are joined with spaces; terms are integers (non-zero is
 * true), an empty string (false), or predicates; `!`, `&&`, `||` (tighter
 * `&&`) and parentheses combine them.
 */
export function evaluateCondition(words: readonly string[], directive: string, ctx: Ctx): boolean {
  const text = words.join(' ');
  if (text.trim() === '') return false;
  const p = new CondParser(text, directive, ctx);
  const v = p.expr();
  p.skip();
  if (p.pos < text.length) {
    throw syntaxError(ctx.at, `unexpected character '${text[p.pos]}' at the end of conditional expression '${text}' in '${directive}'`);
  }
  return v;
}

class CondParser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly directive: string,
    private readonly ctx: Ctx,
  ) {}

  skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private unparsable(): Error {
    return syntaxError(this.ctx.at, `unparsable conditional expression '${this.text}' in '${this.directive}' at position ${this.pos + 1}`);
  }

  expr(): boolean {
    let v = this.and();
    for (;;) {
      this.skip();
      if (!this.text.startsWith('||', this.pos)) return v;
      this.pos += 2;
      const r = this.and();
      v = v || r;
    }
  }

  private and(): boolean {
    let v = this.term();
    for (;;) {
      this.skip();
      if (!this.text.startsWith('&&', this.pos)) return v;
      this.pos += 2;
      const r = this.term();
      v = v && r;
    }
  }

  private term(): boolean {
    this.skip();
    const t = this.text;
    if (t[this.pos] === '!') {
      this.pos++;
      return !this.term();
    }
    if (t[this.pos] === '(') {
      this.pos++;
      const v = this.expr();
      this.skip();
      if (t[this.pos] !== ')') throw syntaxError(this.ctx.at, `expected ')' in conditional expression '${t}' in '${this.directive}'`);
      this.pos++;
      return v;
    }
    const num = /^[-+]?\d+/.exec(t.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]) !== 0;
    }
    const name = /^[a-z_]+/.exec(t.slice(this.pos));
    if (!name || t[this.pos + name[0].length] !== '(') throw this.unparsable();
    const pred = PREDICATES[name[0]];
    if (!pred) throw this.unparsable();
    this.pos += name[0].length + 1;
    const close = t.indexOf(')', this.pos);
    if (close < 0) throw syntaxError(this.ctx.at, `expected ')' in argument 1 of predicate '${name[0]}' used in conditional expression in '${this.directive}'`);
    const raw = t.slice(this.pos, close);
    const args = raw.trim() === '' ? [] : raw.split(',').map((a) => a.trim());
    this.pos = close + 1;
    if (args.length > pred.arity) {
      throw syntaxError(
        this.ctx.at,
        `expected ')' before ',${args.slice(pred.arity).join(',')})' in argument ${pred.arity} of predicate '${name[0]}' used in conditional expression in '${this.directive}'`,
      );
    }
    while (args.length < pred.arity) args.push('');
    return pred.fn(args, this.ctx);
  }
}

const PREDICATES: Record<string, { arity: number; fn: (a: string[], ctx: Ctx) => boolean }> = {
  defined: { arity: 1, fn: ([n], { env }) => n !== '' && env[n!] !== undefined },
  feature: { arity: 1, fn: ([n]) => DOCKLAB_FEATURES.has(n!) },
  streq: { arity: 2, fn: ([a, b]) => a === b },
  strneq: { arity: 2, fn: ([a, b]) => a !== b },
  version_atleast: { arity: 1, fn: ([v]) => compareVersions(HAPROXY_COMPAT_VERSION, v!) >= 0 },
  version_before: { arity: 1, fn: ([v]) => compareVersions(HAPROXY_COMPAT_VERSION, v!) < 0 },
  openssl_version_atleast: { arity: 1, fn: ([v]) => compareVersions(opensslVersion(), v!) >= 0 },
  openssl_version_before: { arity: 1, fn: ([v]) => compareVersions(opensslVersion(), v!) < 0 },
  ssllib_name_startswith: { arity: 1, fn: ([n]) => 'OpenSSL'.startsWith(n!) },
};

function opensslVersion(): string {
  return (process.versions.openssl ?? '0').replace(/[^0-9.].*$/, '');
}

/**
 * Orders versions such as 2.6, 2.6.12, 2.7-dev3, 2.6-rc1: numbers compare
 * field by field (missing ones are 0) and a -dev or -rc release comes before
 * the release it leads to.
 */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function versionKey(v: string): number[] {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-(dev|rc|pre)(\d*))?/.exec(v.trim());
  if (!m) return [-1];
  const stage = m[4] === 'dev' ? 0 : m[4] === 'pre' || m[4] === 'rc' ? 1 : 2;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), stage, Number(m[5] || 0)];
}
