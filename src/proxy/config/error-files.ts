import { readFileSync } from 'node:fs';
import { syntaxError, referenceError } from './config-errors.js';
import type { ErrorFileMessage, ErrorFileRef, Loc } from './model.js';

/** Status codes HAProxy 2.6 lets `errorfile`/`errorfiles`/`http-errors` customise. */
export const ERRORFILE_CODES = new Set([200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504]);

export function errorFileCode(text: string | undefined, at: Loc, kw: string): number {
  const code = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!ERRORFILE_CODES.has(code)) throw syntaxError(at, `${kw}: status code '${text ?? ''}' not handled; use one of ${[...ERRORFILE_CODES].join(', ')}`);
  return code;
}

/**
 * Reads a file holding a whole HTTP/1 response, as `errorfile` expects, and
 * keeps it the way HAProxy will send it: status line words as written, header
 * names in lower case, values trimmed, the body as bytes. An empty file means
 * "close without answering".
 */
export function loadErrorFile(path: string, at: Loc, kw: string): ErrorFileMessage {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    throw syntaxError(at, `${kw}: error opening file '${path}'; check the path (relative names follow default-path)`);
  }
  return parseErrorFile(data, path, at, kw);
}

export function parseErrorFile(data: Buffer, path: string, at: Loc, kw: string): ErrorFileMessage {
  if (data.length === 0) return { empty: true, version: '1.1', status: 0, reason: '', headers: [], body: Buffer.alloc(0), hasLength: false, file: path };
  const text = data.toString('latin1');
  const bad = (why: string) => syntaxError(at, `${kw}: '${path}': ${why}`);
  const headEnd = /\r?\n\r?\n/.exec(text);
  if (!headEnd) throw bad('unable to parse headers (the file must hold a full HTTP response: status line, headers, empty line, body)');
  const lines = text.slice(0, headEnd.index).split(/\r?\n/);
  const status = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!status) throw bad('unable to parse headers (error offset: 0)');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) throw bad(`unable to parse headers (bad header line '${line}')`);
    headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const body = data.subarray(headEnd.index + headEnd[0].length);
  if (headers.some(([n, v]) => n === 'transfer-encoding' && /chunked/i.test(v))) throw bad('chunk-encoded payload not supported');
  const cl = headers.find(([n]) => n === 'content-length');
  if (cl && Number(cl[1]) !== body.length) throw bad(`payload size does not match the announced content-length (${body.length} != ${cl[1]})`);
  return { empty: false, version: status[1]!, status: Number(status[2]), reason: status[3] ?? '', headers, body, hasLength: cl !== undefined, file: path };
}

/**
 * The error messages a proxy ends up with: its `errorfile` and `errorfiles`
 * lines applied in order (a later one wins for a code), `errorfiles` taken
 * from the named `http-errors` section.
 */
export function resolveErrorFiles(
  refs: readonly ErrorFileRef[],
  sections: ReadonlyMap<string, ReadonlyMap<number, ErrorFileMessage>>,
): Map<number, ErrorFileMessage> {
  const out = new Map<number, ErrorFileMessage>();
  for (const r of refs) {
    if (r.kind === 'file') {
      out.set(r.code, r.message);
      continue;
    }
    const section = sections.get(r.section);
    if (!section) throw referenceError(r.loc, `unknown http-errors section '${r.section}'; declare 'http-errors ${r.section}' with errorfile lines`);
    for (const [code, msg] of section) if (r.codes.length === 0 || r.codes.includes(code)) out.set(code, msg);
  }
  return out;
}
