import { HttpParseError, type RequestHead, type ResponseHead } from './http-head.js';

/**
 * Strict HTTP/1.1 head parsing. Rejected on purpose (each is a way to make a
 * proxy and a server disagree about where a request ends): obs-fold, spaces
 * around the URI, both Content-Length and Transfer-Encoding, conflicting
 * Content-Lengths, transfer codings other than chunked, control characters.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII and obs-text; no controls except tab.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const BAD_URI = /[\x00-\x20\x7f-\xff#]/;
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?]*)(.*)$/;
const DECIMAL = /^\d{1,15}$/;
/** Header fields accepted in one head; one more gives 400, like HAProxy's default tune.http.maxhdr. */
export const MAX_HEADER_FIELDS = 100;

/** Index just past the blank line that ends a head, or -1. Accepts bare LF line ends. */
export function findHeadEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(10, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === 10) return i + 2;
    if (next === 13 && buf[i + 2] === 10) return i + 3;
    if (next === undefined || (next === 13 && buf[i + 2] === undefined)) return -1;
    i = buf.indexOf(10, i + 1);
  }
  return -1;
}

/** Index of the line feed ending the line that starts at `pos` (the text's length when there is none). */
function lineFeedAt(text: string, pos: number): number {
  const eol = text.indexOf('\n', pos);
  return eol < 0 ? text.length : eol;
}

/** Where the line ending at line feed `eol` stops, before its CR if any. */
function contentEnd(text: string, pos: number, eol: number): number {
  return eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
}

/** Header lines from `pos` to the blank line, in one pass without splitting the text. */
function parseHeaderLines(text: string, pos: number, forRequest: boolean): [string, string][] {
  const headers: [string, string][] = [];
  const bad = forRequest ? 400 : 502;
  while (pos < text.length) {
    const eol = lineFeedAt(text, pos);
    const end = contentEnd(text, pos, eol);
    const next = eol + 1;
    if (end === pos) break;
    const c0 = text.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) throw new HttpParseError(bad, 'obsolete line folding');
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon >= end) throw new HttpParseError(bad, 'header line without a name');
    const name = text.slice(pos, colon);
    if (!TOKEN.test(name)) throw new HttpParseError(bad, 'invalid header name');
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    const value = text.slice(vs, ve);
    if (BAD_VALUE.test(value)) throw new HttpParseError(bad, 'control character in header value');
    headers.push([name, value]);
    pos = next;
  }
  return headers;
}

/** Case-insensitive comparison with a lower-case ASCII name, without allocating. */
function isName(n: string, lower: string): boolean {
  if (n.length !== lower.length) return false;
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

interface Framing {
  hopByHop: boolean;
  contentLength: number;
  chunked: boolean;
  connClose: boolean;
  connKeepAlive: boolean;
  connUpgrade: boolean;
  hasUpgrade: boolean;
  upgradeWebsocket: boolean;
  hasWebsocketKey: boolean;
}

function framing(headers: [string, string][], status: 400 | 502): Framing {
  let cl: string | null = null;
  let te: string | null = null;
  let connClose = false;
  let connKeepAlive = false;
  let connUpgrade = false;
  let hasUpgrade = false;
  let hopByHop = false;
  let upgradeWebsocket = false;
  let hasWebsocketKey = false;
  for (const [n, v] of headers) {
    const len = n.length;
    if (len === 14 && isName(n, 'content-length')) {
      // "5, 5" from one line counts as repeated identical values (one value, the common case, is read without splitting).
      for (const part of v.indexOf(',') < 0 ? [v] : v.split(',')) {
        const p = part.trim();
        if (!DECIMAL.test(p)) throw new HttpParseError(status, 'invalid Content-Length');
        if (cl !== null && Number(cl) !== Number(p)) throw new HttpParseError(status, 'conflicting Content-Length headers');
        cl = p;
      }
    } else if (len === 17 && isName(n, 'transfer-encoding')) {
      te = te === null ? v : `${te}, ${v}`;
    } else if (len === 10 && isName(n, 'connection')) {
      hopByHop = true;
      for (const t of v.toLowerCase().split(',')) {
        const tok = t.trim();
        if (tok === 'close') connClose = true;
        else if (tok === 'keep-alive') connKeepAlive = true;
        else if (tok === 'upgrade') connUpgrade = true;
      }
    } else if (len === 7 && isName(n, 'upgrade')) {
      hasUpgrade = true;
      if (/(^|[\s,])websocket($|[\s,/])/i.test(v)) upgradeWebsocket = true;
    } else if (len === 17 && isName(n, 'sec-websocket-key')) hasWebsocketKey = true;
    else if (len === 10 && isName(n, 'keep-alive')) hopByHop = true;
    else if (len === 16 && isName(n, 'proxy-connection')) hopByHop = true;
  }
  let chunked = false;
  if (te !== null) {
    if (cl !== null) throw new HttpParseError(status, 'both Content-Length and Transfer-Encoding');
    const codings = te
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (codings.length !== 1 || codings[0] !== 'chunked') throw new HttpParseError(status === 400 ? 400 : 502, 'unsupported Transfer-Encoding');
    chunked = true;
  }
  return {
    hopByHop,
    contentLength: cl === null ? -1 : Number(cl),
    chunked,
    connClose,
    connKeepAlive,
    connUpgrade,
    hasUpgrade,
    upgradeWebsocket,
    hasWebsocketKey,
  };
}

/**
 * Checks the request target the way HAProxy 2.6 does: origin-form ("/..."),
 * "*", absolute-form, or authority-form for CONNECT only; no fragment, no
 * byte outside visible ASCII. Returns the target with a scheme's default
 * port dropped from an absolute-form authority, and that authority.
 */
function checkTarget(method: string, uri: string): { uri: string; authority: string | null } {
  if (uri.length === 0 || BAD_URI.test(uri)) throw new HttpParseError(400, 'invalid characters in URI');
  const c0 = uri.charCodeAt(0);
  if (method === 'CONNECT') {
    if (c0 === 47 || uri === '*' || ABSOLUTE.test(uri)) throw new HttpParseError(400, 'CONNECT needs an authority-form target');
    return { uri, authority: null };
  }
  if (c0 === 47 || uri === '*') return { uri, authority: null };
  const m = ABSOLUTE.exec(uri);
  if (!m) throw new HttpParseError(400, 'request target is neither origin-form nor absolute-form');
  const authority = dropDefaultPort(m[1]!, m[2]!);
  return { uri: authority === m[2] ? uri : `${m[1]}://${authority}${m[3]}`, authority };
}

function dropDefaultPort(scheme: string, authority: string): string {
  const s = scheme.toLowerCase();
  if (s === 'http' && authority.endsWith(':80')) return authority.slice(0, -3);
  if (s === 'https' && authority.endsWith(':443')) return authority.slice(0, -4);
  return authority;
}

/**
 * Host rules: repeated identical Host fields collapse to the first one; two
 * different ones, or a Host that names another authority than an
 * absolute-form target, are refused.
 */
function checkHost(headers: [string, string][], authority: string | null, scheme: string): void {
  let first = -1;
  for (let i = 0; i < headers.length; i++) {
    const n = headers[i]![0];
    if (n.length !== 4 || !isName(n, 'host')) continue;
    if (first < 0) {
      first = i;
      continue;
    }
    if (headers[i]![1].toLowerCase() !== headers[first]![1].toLowerCase()) throw new HttpParseError(400, 'two different Host fields');
    headers.splice(i--, 1);
  }
  if (authority === null || first < 0) return;
  const host = dropDefaultPort(scheme, headers[first]![1]);
  if (host.toLowerCase() !== authority.toLowerCase()) throw new HttpParseError(400, 'Host differs from the request target authority');
  if (host !== headers[first]![1]) headers[first] = [headers[first]![0], host];
}

/** Parses a complete request head (`buf` ends with the blank line). */
export function parseRequestHead(buf: Buffer, maxUri: number): RequestHead {
  const text = buf.toString('latin1');
  const eol = lineFeedAt(text, 0);
  const lineEnd = contentEnd(text, 0, eol);
  const headersStart = eol + 1;
  const reqLine = text.slice(0, lineEnd);
  const sp1 = reqLine.indexOf(' ');
  const sp2 = reqLine.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) throw new HttpParseError(400, 'malformed request line');
  const method = reqLine.slice(0, sp1);
  const rawUri = reqLine.slice(sp1 + 1, sp2);
  const proto = reqLine.slice(sp2 + 1);
  if (!TOKEN.test(method)) throw new HttpParseError(400, 'invalid method');
  if (rawUri.length > maxUri) throw new HttpParseError(414, 'URI too long');
  let version: string;
  if (proto === 'HTTP/1.1') version = '1.1';
  else if (proto === 'HTTP/1.0') version = '1.0';
  // A higher minor version of a major version we speak is handled as the highest we know (RFC 9110, 2.5).
  else if (/^HTTP\/1\.\d$/.test(proto)) version = '1.1';
  else if (/^HTTP\/\d\.\d$/.test(proto)) throw new HttpParseError(505, 'unsupported HTTP version');
  else throw new HttpParseError(400, 'malformed request line');
  const { uri, authority } = checkTarget(method, rawUri);
  const headers = parseHeaderLines(text, headersStart, true);
  if (headers.length > MAX_HEADER_FIELDS) throw new HttpParseError(400, 'too many header fields');
  checkHost(headers, authority, authority === null ? '' : ABSOLUTE.exec(uri)![1]!);
  const f = framing(headers, 400);
  if (f.connUpgrade && f.upgradeWebsocket && !f.hasWebsocketKey) throw new HttpParseError(400, 'WebSocket upgrade without Sec-WebSocket-Key');
  return {
    method,
    uri,
    version,
    headers,
    contentLength: f.chunked ? -1 : Math.max(0, f.contentLength),
    chunked: f.chunked,
    // Chunked framing from an HTTP/1.0 client is honoured once, then the connection ends (RFC 9112, 6.1).
    wantsClose: f.connClose || (version === '1.0' && (!f.connKeepAlive || f.chunked)),
    upgrade: f.connUpgrade && f.hasUpgrade,
    hopByHop: f.hopByHop || f.hasUpgrade,
    raw: buf,
  };
}

/** Parses a complete response head. Errors map to 502 (the server misbehaved). */
export function parseResponseHead(buf: Buffer, requestMethod: string): ResponseHead {
  const text = buf.toString('latin1');
  const eol = lineFeedAt(text, 0);
  const lineEnd = contentEnd(text, 0, eol);
  const line = statusLine(text, lineEnd);
  if (line < 0) throw new HttpParseError(502, 'malformed status line');
  const version = text.charCodeAt(7) === 49 ? '1.1' : '1.0';
  const status = line;
  const reason = lineEnd > 12 ? text.slice(13, lineEnd) : '';
  const headers = parseHeaderLines(text, eol + 1, false);
  const f = framing(headers, 502);
  const noBody = requestMethod === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  return {
    version,
    status,
    reason,
    headers,
    contentLength: noBody ? 0 : f.chunked ? -1 : f.contentLength,
    chunked: !noBody && f.chunked,
    serverClose: f.connClose || (version === '1.0' && !f.connKeepAlive),
    hopByHop: f.hopByHop,
    raw: buf,
  };
}

/**
 * The status of a status line `HTTP/1.x NNN[ reason]` (x is 0 or 1) ending at
 * `end`, or -1 when the line has another form. Read by hand: a regular
 * expression's match array per response is measurable at high rates.
 */
function statusLine(text: string, end: number): number {
  if (end < 12 || !text.startsWith('HTTP/1.', 0)) return -1;
  const minor = text.charCodeAt(7);
  if ((minor !== 48 && minor !== 49) || text.charCodeAt(8) !== 32) return -1;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    status = status * 10 + d;
  }
  // After the code: the end of the line, or one space and any reason (the reason may be empty).
  if (end > 12 && text.charCodeAt(12) !== 32) return -1;
  // A carriage return inside the line is no reason character.
  const cr = text.indexOf('\r', 13);
  if (cr >= 0 && cr < end) return -1;
  return status;
}
