import { syntaxError } from '../../config/config-errors.js';
import { LogFormat } from '../../http/log-format.js';
import { errorResponse, REASONS, type LocalResponse } from '../../http/local-response.js';
import { registerAction, type ActionParseContext } from '../action-registry.js';

/** http-response actions that change the status or answer instead of the server. */

function statusArg(text: string | undefined, ctx: ActionParseContext, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw syntaxError(ctx.at, `'${what}' needs a status code, got '${text ?? ''}'`);
  const n = Number(text);
  if (n < 100 || n > 999) throw syntaxError(ctx.at, `'${what}' status ${n} is out of range`);
  return n;
}

registerAction({
  name: 'set-status',
  sides: ['http-response', 'http-after-response'],
  parse: (args, ctx) => {
    const status = statusArg(args[0], ctx, 'set-status');
    let reason: string | undefined;
    if (args[1] === 'reason') {
      if (args[2] === undefined) throw syntaxError(ctx.at, `'set-status … reason' needs a text`);
      reason = args[2];
    } else if (args[1] !== undefined) throw syntaxError(ctx.at, `unexpected '${args[1]}' after set-status ${status}; expected 'reason TEXT'`);
    if (args.length > 3) throw syntaxError(ctx.at, `unexpected '${args[3]}' after set-status`);
    return ({ resStatus }) => {
      if (resStatus) {
        resStatus.status = status;
        resStatus.reason = reason ?? REASONS[status] ?? 'Other';
      }
      return undefined;
    };
  },
});

/** The body and headers options shared by deny and return. */
function localAnswer(
  args: string[],
  ctx: ActionParseContext,
  what: 'deny' | 'return',
  defaultStatus: number,
): (src: Parameters<LogFormat['render']>[0]) => LocalResponse {
  let status = defaultStatus;
  let contentType: string | undefined;
  let body: LogFormat | undefined;
  let plainBody = true;
  const headers: [string, LogFormat][] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    if (w === 'status' || (w === 'deny_status' && what === 'deny')) {
      status = statusArg(v, ctx, `${what} ${w}`);
      i++;
    } else if (w === 'content-type' && v !== undefined) {
      contentType = v;
      i++;
    } else if ((w === 'string' || w === 'lf-string') && v !== undefined) {
      body = w === 'string' ? LogFormat.compile(v.replace(/%/g, '%%'), ctx.at) : LogFormat.compile(v, ctx.at, 'response');
      plainBody = w === 'string';
      i++;
    } else if (w === 'hdr' && v !== undefined && args[i + 2] !== undefined) {
      headers.push([v, LogFormat.compile(args[i + 2]!, ctx.at, 'response')]);
      i += 2;
    } else
      throw syntaxError(ctx.at, `'${w}' after http-response ${what} is not supported; use status N, content-type T, string S, lf-string FMT, hdr NAME FMT`);
  }
  if (body && contentType === undefined) throw syntaxError(ctx.at, `'http-response ${what} … ${plainBody ? 'string' : 'lf-string'}' needs 'content-type'`);
  return (src) => {
    if (!body && headers.length === 0 && what === 'deny') return errorResponse(status);
    const h: [string, string][] = [];
    if (contentType !== undefined) h.push(['content-type', contentType]);
    for (const [n, f] of headers) h.push([n, f.render(src)]);
    if (!body && what === 'deny') return { ...errorResponse(status), headers: [...errorResponse(status).headers, ...h] };
    return { status, headers: h, body: body ? body.render(src) : '' };
  };
}

registerAction({
  name: 'deny',
  sides: ['http-response'],
  parse: (args, ctx) => {
    const answer = localAnswer(args, ctx, 'deny', 502);
    return ({ src }) => ({ respond: answer(src), termination: 'PH--' });
  },
});

registerAction({
  name: 'return',
  sides: ['http-response'],
  parse: (args, ctx) => {
    const answer = localAnswer(args, ctx, 'return', 200);
    return ({ src }) => ({ respond: answer(src), termination: 'PH--' });
  },
});
