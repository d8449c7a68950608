import { describe, it, expect } from 'vitest';
import { parseRequestHead, parseResponseHead, findHeadEnd } from '../../src/proxy/http/head-parser.js';
import { ChunkedScanner } from '../../src/proxy/http/chunked-scanner.js';
import { HttpParseError } from '../../src/proxy/http/http-head.js';
import { formatHttpLog } from '../../src/proxy/log/http-log-line.js';

const head = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'), 8192);
const status = (text: string) => {
  try {
    head(text);
    return 0;
  } catch (e) {
    return (e as HttpParseError).status;
  }
};

describe('request head parser', () => {
  it('parses method, URI, version, headers and framing', () => {
    const h = head('POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A:  spaced  \r\n\r\n');
    expect(h).toMatchObject({ method: 'POST', uri: '/a?b=1', version: '1.1', contentLength: 5, chunked: false, wantsClose: false });
    expect(h.headers).toEqual([
      ['Host', 'x'],
      ['Content-Length', '5'],
      ['X-A', 'spaced'],
    ]);
    expect(head('GET / HTTP/1.0\r\n\r\n').wantsClose).toBe(true);
    expect(head('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a2V5\r\n\r\n').upgrade).toBe(true);
    expect(head('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n').chunked).toBe(true);
    expect(head('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n').contentLength).toBe(5);
  });
  it('refuses request smuggling vectors and malformed lines', () => {
    expect(status('POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n')).toBe(400);
    expect(status('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n')).toBe(400);
    expect(status('POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n')).toBe(400);
    expect(status('POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n')).toBe(400);
    expect(status('POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n')).toBe(400);
    expect(status('GET /a b HTTP/1.1\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/1.1\r\nA: \x01\r\n\r\n')).toBe(400);
    expect(status('GET / HTTP/2.0\r\n\r\n')).toBe(505);
    expect(status(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n\r\n`)).toBe(414);
  });
  it('finds the end of a head with CRLF or bare LF', () => {
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nA: b\r\n\r\nBODY'), 0)).toBe(24);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\nA: b\n\nBODY'), 0)).toBe(21);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nA: b\r\n'), 0)).toBe(-1);
  });
});

describe('request targets, Host and field limits (HAProxy 2.6 rules)', () => {
  it('accepts origin-form, asterisk, absolute-form and CONNECT authority-form', () => {
    expect(status('GET /a?b HTTP/1.1\r\n\r\n')).toBe(0);
    expect(status('OPTIONS * HTTP/1.1\r\n\r\n')).toBe(0);
    expect(status('GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n')).toBe(0);
    expect(status('CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n')).toBe(0);
  });
  it('refuses fragments, raw non-ASCII, relative targets and authority-form outside CONNECT', () => {
    expect(status('GET /a#b HTTP/1.1\r\n\r\n')).toBe(400);
    expect(status('GET /caf\xe9 HTTP/1.1\r\n\r\n')).toBe(400);
    expect(status('GET api HTTP/1.1\r\n\r\n')).toBe(400);
    expect(status('GET h:80 HTTP/1.1\r\n\r\n')).toBe(400);
    expect(status('CONNECT / HTTP/1.1\r\n\r\n')).toBe(400);
  });
  it('merges identical Host fields, refuses different ones and a Host that contradicts the target', () => {
    expect(head('GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nhost: A\r\n\r\n').headers).toEqual([
      ['Host', 'a'],
      ['X', '1'],
    ]);
    expect(status('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).toBe(400);
    expect(status('GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n')).toBe(400);
    const h = head('GET http://a:80/x HTTP/1.1\r\nHost: a:80\r\n\r\n');
    expect([h.uri, h.headers]).toEqual(['http://a/x', [['Host', 'a']]]);
    expect(head('GET https://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n').uri).toBe('https://a/');
  });
  it('allows 100 header fields, not 101', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(status(`GET / HTTP/1.1\r\n${fields(100)}\r\n`)).toBe(0);
    expect(status(`GET / HTTP/1.1\r\n${fields(101)}\r\n`)).toBe(400);
  });
  it('reads HTTP/1.2 as HTTP/1.1, honours chunked HTTP/1.0 once, and wants a WebSocket key', () => {
    expect(head('GET / HTTP/1.2\r\n\r\n').version).toBe('1.1');
    expect(head('POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n')).toMatchObject({ chunked: true, wantsClose: true });
    expect(status('GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n')).toBe(400);
  });
});

describe('response head parser', () => {
  it('derives body framing', () => {
    const r = (t: string, m = 'GET') => parseResponseHead(Buffer.from(t), m);
    expect(r('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n').contentLength).toBe(3);
    expect(r('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').chunked).toBe(true);
    expect(r('HTTP/1.1 200 OK\r\n\r\n').contentLength).toBe(-1);
    expect(r('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'HEAD').contentLength).toBe(0);
    expect(r('HTTP/1.1 304 Not Modified\r\n\r\n').contentLength).toBe(0);
    expect(r('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n').serverClose).toBe(true);
  });
});

describe('chunked scanner', () => {
  it('finds the end of a chunked body across pieces', () => {
    const s = new ChunkedScanner();
    const body = Buffer.from('5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\nNEXT');
    expect(s.scan(body.subarray(0, 7), 0)).toBe(7);
    expect(s.done).toBe(false);
    const end = s.scan(body.subarray(7), 0);
    expect(s.done).toBe(true);
    expect(body.subarray(7 + end).toString()).toBe('NEXT');
  });
  it('re-frames a body: CRLF, upper-case sizes, no extensions, normalised trailers', () => {
    const out: Buffer[] = [];
    const s = new ChunkedScanner();
    s.scan(Buffer.from('1a;x=1\nabcdefghijklmnopqrstuvwxyz\n0\nX-T:  1 \n\n'), 0, out);
    expect(s.done).toBe(true);
    expect(Buffer.concat(out).toString()).toBe('1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-t: 1\r\n\r\n');
  });
  it('regression: a trailer line that is not a header field is refused (no request hidden after the last chunk)', () => {
    expect(() => new ChunkedScanner().scan(Buffer.from('0\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'), 0)).toThrow(HttpParseError);
    expect(() => new ChunkedScanner().scan(Buffer.from('0\r\n folded: x\r\n\r\n'), 0)).toThrow(HttpParseError);
    expect(() => new ChunkedScanner().scan(Buffer.from('0\r\nX: a\x01b\r\n\r\n'), 0)).toThrow(HttpParseError);
  });
  it('refuses bad sizes and missing CRLF', () => {
    expect(() => new ChunkedScanner().scan(Buffer.from('zz\r\n'), 0)).toThrow(HttpParseError);
    expect(() => new ChunkedScanner().scan(Buffer.from('3\r\nabcX'), 0)).toThrow(HttpParseError);
    expect(() => new ChunkedScanner().scan(Buffer.from('fffffffffffffff\r\n'), 0)).toThrow(HttpParseError);
  });
});

describe('httplog line', () => {
  it('follows HAProxy option httplog layout', () => {
    const line = formatHttpLog({
      clientAddr: '10.0.0.9',
      clientPort: 51000,
      acceptedAt: new Date(2026, 10, 23, 21, 30, 0, 123).getTime(),
      frontend: 'fe',
      ssl: true,
      backend: 'web',
      server: 's1',
      tr: 0,
      tw: 0,
      tc: 1,
      trServer: 2,
      ta: 4,
      status: 200,
      bytes: 321,
      termination: '----',
      actconn: 1,
      feconn: 1,
      beconn: 0,
      srvconn: 0,
      retries: 0,
      method: 'GET',
      uri: '/x',
      version: '1.1',
    });
    expect(line).toBe('10.0.0.9:51000 [23/Nov/2026:21:30:00.123] fe~ web/s1 0/0/1/2/4 200 321 - - ---- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"');
  });
});
