import type { ErrorFileMessage, HttpReplyModel, Loc, ProxySection } from './model.js';
import { syntaxError, referenceError } from './config-errors.js';
import { loadErrorFile } from './error-files.js';
import { readFileSync } from 'node:fs';

export interface ParsedReply {
  status: number;
  reply?: HttpReplyModel;
}

/**
 * The answer part of `http-request deny|return` as HAProxy 2.6 reads it:
 * `deny_status N` / `status N`, `content-type T`, one of `string S`,
 * `lf-string S`, `file F`, `lf-file F`, `errorfile F`, `errorfiles NAME`,
 * `default-errorfiles`, and `hdr NAME VALUE`.
 * What it means: `deny` and `deny deny_status N` send the proxy's error page
 * for the status; `status N` with nothing else sends an empty answer;
 * `errorfile`/`errorfiles` send that message; a payload needs a content-type.
 * Returns reply undefined when the old behaviour applies unchanged (error
 * page for deny, the plain answer for return).
 */
export function parseHttpReply(
  args: readonly string[],
  at: Loc,
  action: 'deny' | 'return',
  resolvePath: (f: string) => string,
  positiveInt: (t: string | undefined, at: Loc, what: string) => number,
): ParsedReply & { contentType?: string; body?: string; headers: [string, string][] } {
  let status = action === 'deny' ? 403 : 200;
  let statusKw: string | undefined;
  let contentType: string | undefined;
  let body: string | undefined;
  let source: HttpReplyModel | undefined;
  const headers: [string, string][] = [];
  const setSource = (w: string, r: HttpReplyModel) => {
    if (source || body !== undefined)
      throw syntaxError(at, `'${w}': only one of string, lf-string, file, lf-file, errorfile, errorfiles or default-errorfiles may be given`);
    source = r;
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = args[i + 1];
    if (w === 'status' || (w === 'deny_status' && action === 'deny')) {
      status = positiveInt(v, at, w);
      if (status < 200 || status > 599) throw syntaxError(at, `status ${status} is out of range 200-599`);
      statusKw = w;
      i++;
    } else if (w === 'content-type' && v !== undefined) {
      contentType = v;
      i++;
    } else if ((w === 'string' || w === 'lf-string') && v !== undefined) {
      if (source || body !== undefined) throw syntaxError(at, `'${w}': only one payload may be given`);
      body = v;
      i++;
    } else if ((w === 'file' || w === 'lf-file') && v !== undefined) {
      if (source || body !== undefined) throw syntaxError(at, `'${w}': only one payload may be given`);
      try {
        body = readFileSync(resolvePath(v)).toString('latin1');
      } catch {
        throw syntaxError(at, `'${w}': error opening file '${v}'`);
      }
      i++;
    } else if (w === 'errorfile' && v !== undefined) {
      setSource(w, { type: 'errorfile', message: loadErrorFile(resolvePath(v), at, `http-request ${action} errorfile`) });
      i++;
    } else if (w === 'errorfiles' && v !== undefined) {
      setSource(w, { type: 'errorfiles', section: v, loc: at });
      i++;
    } else if (w === 'default-errorfiles') setSource(w, { type: 'errmsg' });
    else if (w === 'hdr' && v !== undefined && args[i + 2] !== undefined) {
      headers.push([v, args[i + 2]!]);
      i += 2;
    } else
      throw syntaxError(
        at,
        `'${w}' after http-request ${action} is not understood; expected status, content-type, string, lf-string, file, lf-file, errorfile, errorfiles, default-errorfiles or hdr`,
      );
  }
  if (source && (contentType !== undefined || headers.length > 0)) {
    throw syntaxError(at, `'content-type' and 'hdr' cannot be used with errorfile, errorfiles or default-errorfiles`);
  }
  if (body !== undefined && body !== '' && contentType === undefined) {
    throw syntaxError(at, `a content type must be defined when non-empty payload is configured`);
  }
  const out: ParsedReply & { contentType?: string; body?: string; headers: [string, string][] } = { status, headers };
  if (contentType !== undefined) out.contentType = contentType;
  if (body !== undefined) out.body = body;
  if (source) out.reply = source;
  else if (action === 'deny' && (body !== undefined || headers.length > 0 || contentType !== undefined || statusKw === 'status')) {
    // A deny that says what to answer (or uses `status`) sends exactly that, not the error page.
    out.reply = { type: 'payload' };
  }
  return out;
}

/** Finds the message each `errorfiles NAME` reply points at; a status the section lacks gets an empty answer. */
export function resolveReplySections(
  proxies: Iterable<ProxySection>,
  sections: ReadonlyMap<string, ReadonlyMap<number, ErrorFileMessage>>,
  warn: (at: Loc, message: string) => void,
): void {
  for (const p of proxies) {
    for (const rule of p.requestRules) {
      const a = rule.action;
      if ((a.kind !== 'deny' && a.kind !== 'return') || a.reply?.type !== 'errorfiles') continue;
      const section = sections.get(a.reply.section);
      if (!section) throw referenceError(a.reply.loc, `unknown http-errors section '${a.reply.section}'; declare 'http-errors ${a.reply.section}'`);
      const msg = section.get(a.status);
      if (msg) a.reply = { type: 'errorfile', message: msg };
      else {
        warn(a.reply.loc, `status '${a.status}' referenced by an http reply not declared in http-errors section '${a.reply.section}'`);
        a.reply = { type: 'payload' };
      }
    }
  }
}
