import type { ErrorFileMessage, ErrorFileRef, HttpReplyModel, Loc, ProxySection, ProxySettings } from './model.js';
import { syntaxError } from './config-errors.js';
import { errorFileCode, loadErrorFile, resolveErrorFiles } from './error-files.js';

/** `http-errors NAME`: a named set of error files for `errorfiles NAME`. */
export function openHttpErrors(all: Map<string, Map<number, ErrorFileMessage>>, words: readonly string[], at: Loc): Map<number, ErrorFileMessage> {
  const name = words[1];
  if (!name) throw syntaxError(at, `'http-errors' needs a name, e.g. 'http-errors site-errors'`);
  if (words.length > 2) throw syntaxError(at, `unexpected '${words[2]}' after 'http-errors ${name}'`);
  if (all.has(name)) throw syntaxError(at, `http-errors section '${name}' is declared twice; rename one`);
  const section = new Map<number, ErrorFileMessage>();
  all.set(name, section);
  return section;
}

/** A line inside `http-errors`: only `errorfile CODE FILE` is allowed there. */
export function httpErrorsLine(section: Map<number, ErrorFileMessage>, words: readonly string[], at: Loc, resolvePath: (f: string) => string): void {
  if (words[0] !== 'errorfile') throw syntaxError(at, `unknown keyword '${words[0]}' in 'http-errors' section; only 'errorfile CODE FILE' is allowed`);
  const [code, message] = errorFileLine(words, at, resolvePath);
  section.set(code, message);
}

function errorFileLine(words: readonly string[], at: Loc, resolvePath: (f: string) => string): [number, ErrorFileMessage] {
  if (words.length < 3 || !words[2]) throw syntaxError(at, `errorfile: expects <status_code> and <file> as arguments`);
  const code = errorFileCode(words[1], at, 'errorfile');
  return [code, loadErrorFile(resolvePath(words[2]), at, 'errorfile')];
}

/** A redirect HAProxy builds for `errorloc*`: no body, `cache-control: no-cache`, Location. */
function errorLocation(kw: string, url: string): ErrorFileMessage {
  const status = kw === 'errorloc303' ? 303 : 302;
  return {
    empty: false,
    version: '1.1',
    status,
    reason: status === 303 ? 'See Other' : 'Found',
    headers: [
      ['cache-control', 'no-cache'],
      ['content-length', '0'],
      ['location', url],
    ],
    body: Buffer.alloc(0),
    hasLength: true,
    file: kw,
  };
}

/** `errorfile CODE FILE`, `errorfiles NAME [CODE…]`, `errorloc[302|303] CODE URL` in defaults and proxies. */
export function parseErrorFileKeyword(words: readonly string[], at: Loc, settings: ProxySettings, resolvePath: (f: string) => string): void {
  const kw = words[0]!;
  let ref: ErrorFileRef;
  if (kw === 'errorfile') {
    const [code, message] = errorFileLine(words, at, resolvePath);
    ref = { kind: 'file', code, message, loc: at };
  } else if (kw === 'errorfiles') {
    const name = words[1];
    if (!name) throw syntaxError(at, `errorfiles: expects <name> as argument`);
    const codes = words.slice(2).map((c) => errorFileCode(c, at, 'errorfiles'));
    ref = { kind: 'section', section: name, codes, loc: at };
  } else {
    if (words.length < 3 || !words[2]) throw syntaxError(at, `${kw}: expects <status_code> and <url> as arguments`);
    const code = errorFileCode(words[1], at, kw);
    ref = { kind: 'file', code, message: errorLocation(kw, words[2]), loc: at };
  }
  // A new array: sections copied from defaults share the old one.
  settings.errorFileRefs = [...(settings.errorFileRefs ?? []), ref];
}

/** Resolves every proxy's error messages once all http-errors sections are known. */
export function finishErrorFiles(proxies: Iterable<ProxySection>, sections: ReadonlyMap<string, ReadonlyMap<number, ErrorFileMessage>>): void {
  for (const p of proxies) {
    const refs = p.settings.errorFileRefs;
    if (refs && refs.length > 0) p.settings.errorFiles = resolveErrorFiles(refs, sections);
  }
}

/**
 * `http-error status CODE [content-type T] [string S | file F | errorfile F | errorfiles NAME] [hdr N V]…`:
 * the proxy's answer for that error status, built as HAProxy builds it
 * (given headers, then content-length, then content-type).
 */
export function parseHttpErrorKeyword(
  words: readonly string[],
  at: Loc,
  settings: ProxySettings,
  parseReply: (args: readonly string[]) => { status: number; reply?: HttpReplyModel; contentType?: string; body?: string; headers: [string, string][] },
  reasonFor: (status: number) => string,
): void {
  if (words[1] !== 'status') throw syntaxError(at, `http-error: expects 'status <code>' first`);
  errorFileCode(words[2], at, 'http-error');
  const p = parseReply(words.slice(1));
  let ref: ErrorFileRef;
  if (p.reply?.type === 'errorfile') ref = { kind: 'file', code: p.status, message: p.reply.message, loc: at };
  else if (p.reply?.type === 'errorfiles') ref = { kind: 'section', section: p.reply.section, codes: [p.status], loc: at };
  else if (p.reply?.type === 'errmsg') return;
  else {
    const body = Buffer.from(p.body ?? '', 'latin1');
    const headers: [string, string][] = p.headers.map(([n, v]) => [n.toLowerCase(), v]);
    headers.push(['content-length', String(body.length)]);
    if (p.contentType !== undefined) headers.push(['content-type', p.contentType]);
    ref = {
      kind: 'file',
      code: p.status,
      loc: at,
      message: { empty: false, version: '1.1', status: p.status, reason: reasonFor(p.status), headers, body, hasLength: true, file: 'http-error' },
    };
  }
  settings.errorFileRefs = [...(settings.errorFileRefs ?? []), ref];
}
