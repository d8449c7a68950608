import { hostname } from 'node:os';
import type { Loc } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { evalSampleOne, parseSampleExpr } from '../sample/sample-expr.js';
import { valueToString } from '../sample/sample-types.js';
import { sampleExprEnd } from '../sample/sample-args.js';
import { syntaxError, unsupportedError } from '../config/config-errors.js';
import { acceptDate, type HttpLogRecord } from './http-log-line.js';

/** HAProxy's `option httplog` format, used when captures must appear in the default line. */
export const HTTPLOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r';

/** What a log-format string can read: the finished log record (absent for unique-id at request time) and the request. */
export interface LogContext {
  readonly record?: HttpLogRecord;
  readonly src?: SampleSource;
  /** Request / response capture slots, `undefined` when none are declared. */
  readonly reqCaptures?: readonly (string | undefined)[];
  readonly resCaptures?: readonly (string | undefined)[];
  readonly uniqueId?: string;
  /** Request counter (%rt) and when the connection was accepted, for unique IDs. */
  readonly requestCounter?: number;
  readonly acceptedAt?: number;
  readonly frontendAddr?: { ip: string; port: number };
}

type Value = string | number | undefined;
type Getter = (c: LogContext) => Value;
interface Node {
  kind: 'text';
  text: string;
}
interface VarNode {
  kind: 'var';
  get: Getter;
  quote: boolean;
  hex: boolean;
}
interface SepNode {
  kind: 'sep';
}
type Part = Node | VarNode | SepNode;

const rec =
  (f: (r: HttpLogRecord) => Value): Getter =>
  (c) =>
    c.record ? f(c.record) : undefined;
const plainIp = (a: string) => a.replace(/^::ffff:(?=\d+\.)/, '');
const pathOf = (uri: string) => {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
};
const queryOf = (uri: string) => {
  const q = uri.indexOf('?');
  return q < 0 ? '' : uri.slice(q);
};
const captures = (list: readonly (string | undefined)[] | undefined) => (list && list.length > 0 ? `{${list.map((v) => v ?? '').join('|')}}` : '');
const epochSeconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));

/** The variables HAProxy 2.6 defines for log-format strings that docklab can fill. */
const VARIABLES: Record<string, Getter> = {
  ci: (c) => (c.record ? c.record.clientAddr : c.src ? plainIp(c.src.srcAddr) : undefined),
  cp: (c) => c.record?.clientPort ?? c.src?.srcPort,
  fi: (c) => c.frontendAddr?.ip ?? (c.src?.dstAddr ? plainIp(c.src.dstAddr) : undefined),
  fp: (c) => c.frontendAddr?.port ?? c.src?.dstPort,
  f: rec((r) => r.frontend),
  ft: rec((r) => `${r.frontend}${r.ssl ? '~' : ''}`),
  b: rec((r) => r.backend),
  s: rec((r) => r.server),
  t: rec((r) => acceptDate(r.acceptedAt)),
  tr: rec((r) => acceptDate(r.acceptedAt)),
  trl: rec((r) => acceptDate(r.acceptedAt)),
  ms: (c) => {
    const t = c.record?.acceptedAt ?? c.acceptedAt;
    return t === undefined ? undefined : String(t % 1000).padStart(3, '0');
  },
  Ts: (c) => epochSeconds(c.record?.acceptedAt ?? c.acceptedAt),
  Th: rec(() => 0),
  Ti: rec(() => 0),
  TR: rec((r) => r.tr),
  Tq: rec((r) => r.tr),
  Tw: rec((r) => r.tw),
  Tc: rec((r) => r.tc),
  Tr: rec((r) => r.trServer),
  Td: rec((r) => (r.trServer < 0 ? -1 : Math.max(0, r.ta - r.tr - Math.max(0, r.tw) - Math.max(0, r.tc) - r.trServer))),
  Ta: rec((r) => r.ta),
  Tt: rec((r) => r.ta),
  ST: rec((r) => r.status),
  B: rec((r) => r.bytes),
  U: rec(() => 0),
  CC: rec(() => '-'),
  CS: rec(() => '-'),
  ts: rec((r) => r.termination.slice(0, 2)),
  tsc: rec((r) => r.termination),
  ac: rec((r) => r.actconn),
  fc: rec((r) => r.feconn),
  bc: rec((r) => r.beconn),
  sc: rec((r) => r.srvconn),
  rc: rec((r) => (r.retries > 0 ? `+${r.retries}` : '0')),
  sq: rec(() => 0),
  bq: rec(() => 0),
  hr: (c) => captures(c.reqCaptures),
  hs: (c) => captures(c.resCaptures),
  hrl: (c) => (c.reqCaptures ?? []).map((v) => v ?? '').join(' ') || undefined,
  hsl: (c) => (c.resCaptures ?? []).map((v) => v ?? '').join(' ') || undefined,
  r: (c) => {
    const m = c.record?.method ?? c.src?.method;
    if (m === undefined) return undefined;
    return `${m} ${c.record?.uri ?? c.src?.uri ?? ''} HTTP/${c.record?.version ?? c.src?.version ?? '1.1'}`;
  },
  HM: (c) => c.record?.method ?? c.src?.method,
  HU: (c) => c.record?.uri ?? c.src?.uri,
  HP: (c) => {
    const u = c.record?.uri ?? c.src?.uri;
    return u === undefined ? undefined : pathOf(u);
  },
  HPO: (c) => {
    const u = c.record?.uri ?? c.src?.uri;
    return u === undefined ? undefined : pathOf(u);
  },
  HQ: (c) => {
    const u = c.record?.uri ?? c.src?.uri;
    return u === undefined ? undefined : queryOf(u);
  },
  HV: (c) => {
    const v = c.record?.version ?? c.src?.version;
    return v === undefined ? undefined : `HTTP/${v}`;
  },
  ID: (c) => c.uniqueId,
  pid: () => process.pid,
  rt: (c) => c.requestCounter,
  lc: () => 0,
  H: () => hostname(),
  o: () => '',
};

/**
 * A log-format string (`log-format`, `unique-id-format`): literal text,
 * `%VAR`, `%{+Q}VAR`/`%{+X}VAR` flags, `%[sample]`, `%%`. Blanks act as
 * separators: a run of them prints one space, as HAProxy does.
 */
export class CustomLogFormat {
  private constructor(private readonly parts: Part[]) {}

  static compile(text: string, loc: Loc): CustomLogFormat {
    const parts: Part[] = [];
    let literal = '';
    const flush = () => {
      if (literal) {
        parts.push({ kind: 'text', text: literal });
        literal = '';
      }
    };
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === ' ') {
        flush();
        parts.push({ kind: 'sep' });
        continue;
      }
      if (c !== '%') {
        literal += c;
        continue;
      }
      if (text[i + 1] === '%') {
        literal += '%';
        i++;
        continue;
      }
      let quote = false;
      let hex = false;
      let j = i + 1;
      if (text[j] === '{') {
        const close = text.indexOf('}', j);
        if (close < 0) throw syntaxError(loc, `'%{' without '}' in log-format '${text}'`);
        for (const flag of text.slice(j + 1, close).split(',')) {
          if (flag === '+Q') quote = true;
          else if (flag === '+X') hex = true;
          else if (
            flag === '-Q' ||
            flag === '-X' ||
            flag === '+E' ||
            flag === '-E' ||
            flag === '+json' ||
            flag === '+cbor' ||
            flag === '' ||
            /^[A-Za-z_]+$/.test(flag)
          ) {
            /* accepted, no effect */
          } else throw syntaxError(loc, `unknown log-format flag '${flag}' in '${text}'`);
        }
        j = close + 1;
      }
      if (text[j] === '[') {
        const close = sampleExprEnd(text, j + 1);
        if (close < 0) throw syntaxError(loc, `'%[' without ']' in log-format '${text}'`);
        const expr = parseSampleExpr(text.slice(j + 1, close), loc, { context: `'${text}'` });
        flush();
        parts.push({
          kind: 'var',
          quote,
          hex,
          get: (ctx) => {
            if (!ctx.src) return undefined;
            const v = evalSampleOne(expr, ctx.src);
            return v === undefined ? undefined : valueToString(v);
          },
        });
        i = close;
        continue;
      }
      const m = /^[A-Za-z]+/.exec(text.slice(j));
      // Longest known name first: %Tq vs %T, %HPO vs %HP.
      let name = m ? m[0] : '';
      while (name && !VARIABLES[name]) name = name.slice(0, -1);
      if (!name) throw unsupportedError(loc, `log-format variable '%${m ? m[0] : (text[j] ?? '')}' is not supported; write %% for a percent sign`);
      flush();
      parts.push({ kind: 'var', quote, hex, get: VARIABLES[name]! });
      i = j + name.length - 1;
    }
    flush();
    return new CustomLogFormat(parts);
  }

  render(ctx: LogContext): string {
    let out = '';
    let lastSep = false;
    for (const p of this.parts) {
      if (p.kind === 'sep') {
        if (!lastSep) {
          out += ' ';
          lastSep = true;
        }
        continue;
      }
      if (p.kind === 'text') {
        out += p.text;
        lastSep = false;
        continue;
      }
      const v = p.get(ctx);
      let s = v === undefined || v === '' ? (p.quote ? '' : v === '' ? '' : '-') : String(v);
      if (p.hex && typeof v === 'number') s = v.toString(16).toUpperCase();
      if (p.quote) s = `"${s}"`;
      if (s === '') continue;
      out += s;
      lastSep = false;
    }
    return out;
  }
}
