import { isIP } from 'node:net';
import { syntaxError } from '../../config/config-errors.js';
import { LogFormat } from '../../http/log-format.js';
import { errorResponse } from '../../http/local-response.js';
import { pathOf } from '../../acl/sample-source.js';
import { evalSampleOne, parseSampleExpr } from '../../sample/sample-expr.js';
import { valueToString } from '../../sample/sample-types.js';
import { registerAction, httpSideOf, sampleOptionsOf, type ActionParseContext } from '../action-registry.js';
import { compileRegex, replaceWhole } from './regex-replace.js';
import { declareCapture, requestCaptureCount } from './capture-slots.js';

/** http-request actions that rewrite the request line, capture, or change how the request is treated. */

function oneFormat(args: string[], ctx: ActionParseContext, what: string, count: number): LogFormat[] {
  if (args.length !== count)
    throw syntaxError(ctx.at, `'${ctx.side} ${what}' needs ${count === 2 ? 'a regular expression and a replacement' : 'one value'} (quote values with spaces)`);
  return args.slice(count - 1).map((a) => LogFormat.compile(a, ctx.at, httpSideOf(ctx.side), sampleOptionsOf(ctx, '').beforeBackend));
}

/** replace-path, replace-pathq and replace-uri: the regex must match, then the part is replaced whole. */
function uriReplacer(name: string, part: 'path' | 'pathq' | 'uri'): void {
  registerAction({
    name,
    sides: ['http-request'],
    parse: (args, ctx) => {
      const [fmt] = oneFormat(args, ctx, name, 2);
      const re = compileRegex(args[0]!, ctx.at, name);
      return ({ src }) => {
        const uri = src.uri;
        const path = pathOf(uri);
        const pathStart = path === '' ? -1 : uri.indexOf(path);
        const q = uri.indexOf('?', Math.max(0, pathStart));
        const subject = part === 'uri' ? uri : part === 'path' ? path : q >= 0 ? uri.slice(Math.max(0, pathStart), uri.length) : path;
        const out = replaceWhole(subject, re, fmt!.render(src));
        if (out === null) return undefined;
        if (part === 'uri') src.uri = out;
        else {
          const prefix = pathStart > 0 ? uri.slice(0, pathStart) : '';
          src.uri = prefix + out + (part === 'path' && q >= 0 ? uri.slice(q) : '');
        }
        return undefined;
      };
    },
  });
}
uriReplacer('replace-path', 'path');
uriReplacer('replace-pathq', 'pathq');
uriReplacer('replace-uri', 'uri');

/** replace-header (whole line value) and replace-value (each comma-separated value), on either side. */
function headerReplacer(name: string, perValue: boolean): void {
  registerAction({
    name,
    sides: ['http-request', 'http-response', 'http-after-response'],
    parse: (args, ctx) => {
      if (args.length !== 3) throw syntaxError(ctx.at, `'${ctx.side} ${name}' needs a header name, a regular expression and a replacement`);
      const header = args[0]!.toLowerCase();
      const re = compileRegex(args[1]!, ctx.at, name);
      const fmt = LogFormat.compile(args[2]!, ctx.at, httpSideOf(ctx.side), sampleOptionsOf(ctx, '').beforeBackend);
      return ({ src, resHeaders }) => {
        const headers = resHeaders ?? src.headers;
        const replacement = fmt.render(src);
        for (let i = 0; i < headers.length; i++) {
          const [n, v] = headers[i]!;
          if (n.toLowerCase() !== header) continue;
          if (perValue) {
            // Each value is matched without its surrounding blanks; a replaced one loses them, the others stay as they were.
            headers[i] = [
              n,
              v
                .split(',')
                .map((p) => replaceWhole(p.trim(), re, replacement) ?? p)
                .join(','),
            ];
          } else {
            const out = replaceWhole(v, re, replacement);
            if (out !== null) headers[i] = [n, out];
          }
        }
        return undefined;
      };
    },
  });
}
headerReplacer('replace-header', false);
headerReplacer('replace-value', true);

registerAction({
  name: 'capture',
  sides: ['http-request', 'http-response', 'http-after-response', 'tcp-request content'],
  parse: (args, ctx) => {
    const expr = parseSampleExpr(args[0] ?? '', ctx.at, sampleOptionsOf(ctx, 'capture'));
    // tcp-request content captures fill the request slots, as http-request ones do.
    const requestSide = ctx.side === 'http-request' || ctx.side === 'tcp-request content';
    let slot: number;
    let len: number;
    if (args[1] === 'len' && requestSide) {
      if (!/^\d+$/.test(args[2] ?? '')) throw syntaxError(ctx.at, `'capture … len' needs a length`);
      len = Number(args[2]);
      slot = declareCapture(ctx.section, 'request', len);
    } else if (args[1] === 'id') {
      if (!/^\d+$/.test(args[2] ?? '')) throw syntaxError(ctx.at, `'capture … id' needs a slot number`);
      slot = Number(args[2]);
      const declared = requestCaptureCount(ctx.section, requestSide ? 'request' : 'response');
      if (slot >= declared.length)
        throw syntaxError(ctx.at, `capture slot ${slot} is not declared; add 'declare capture ${requestSide ? 'request' : 'response'} len N' before`);
      len = declared[slot]!;
    } else throw syntaxError(ctx.at, `'${ctx.side} capture' needs 'len N' or 'id N' after the sample expression`);
    if (args.length > 3) throw syntaxError(ctx.at, `unexpected '${args[3]}' after capture`);
    return ({ src, txn, side }) => {
      const v = evalSampleOne(expr, src);
      if (v === undefined) return undefined;
      const list = side === 'http-request' || side === 'tcp-request content' ? txn.reqCaptures : txn.resCaptures;
      list[slot] = valueToString(v).slice(0, len);
      return undefined;
    };
  },
});

registerAction({
  name: 'set-src',
  sides: ['http-request'],
  parse: (args, ctx) => {
    if (args.length !== 1) throw syntaxError(ctx.at, `'http-request set-src' needs one sample expression`);
    const expr = parseSampleExpr(args[0]!, ctx.at, sampleOptionsOf(ctx, 'set-src'));
    return ({ src }) => {
      const v = evalSampleOne(expr, src);
      // Only an address changes the source; anything else leaves it alone.
      if (typeof v === 'string' && isIP(v)) src.srcAddr = v;
      return undefined;
    };
  },
});

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'silent'];
registerAction({
  name: 'set-log-level',
  sides: ['http-request', 'http-response', 'http-after-response', 'tcp-request content', 'tcp-response content'],
  parse: (args, ctx) => {
    const level = args[0];
    if (!level || !LOG_LEVELS.includes(level) || args.length > 1) throw syntaxError(ctx.at, `'set-log-level' needs one of ${LOG_LEVELS.join(', ')}`);
    return ({ txn }) => {
      txn.logLevel = level;
      return undefined;
    };
  },
});

registerAction({
  name: 'tarpit',
  sides: ['http-request'],
  parse: (args, ctx) => {
    let status = 500;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === 'deny_status' && /^\d+$/.test(args[i + 1] ?? '')) {
        status = Number(args[++i]);
        continue;
      }
      throw syntaxError(ctx.at, `unexpected '${args[i]}' after tarpit; only 'deny_status N' is supported`);
    }
    const section = ctx.section;
    return () => {
      // `timeout tarpit`, falling back to `timeout connect` as HAProxy does.
      const t = section.settings.timeouts;
      const delay = t.tarpit ?? t.connect ?? 0;
      return { respond: errorResponse(status), termination: 'PT--', delayMs: delay };
    };
  },
});

registerAction({
  name: 'early-hint',
  sides: ['http-request'],
  parse: (args, ctx) => {
    if (args.length !== 2 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(args[0]!))
      throw syntaxError(ctx.at, `'http-request early-hint' needs a header name and a value (quote values with spaces)`);
    const name = args[0]!;
    const fmt = LogFormat.compile(args[1]!, ctx.at, 'request', sampleOptionsOf(ctx, '').beforeBackend);
    return ({ src, txn }) => {
      // Only HTTP/1.1 clients can receive interim responses; an empty value sends nothing.
      if (src.version !== '1.1') return undefined;
      const value = fmt.render(src);
      if (value !== '') (txn.earlyHints ??= []).push([name.toLowerCase(), value]);
      return undefined;
    };
  },
});
