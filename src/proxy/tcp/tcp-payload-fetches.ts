import { registerFetch } from '../sample/sample-registry.js';
import type { Sample } from '../sample/sample-types.js';
import type { SampleSource } from '../acl/sample-source.js';
import { couldChange, isTcpSource, payloadOf, responsePayloadOf, type PayloadView } from './payload-view.js';
import { readClientHello, readRecordHead } from './client-hello.js';
import { syntaxError } from '../config/config-errors.js';
import type { Loc } from '../config/model.js';

/**
 * Fetches that read the bytes a TCP frontend has buffered from its client
 * (`tcp-request content` rules under `tcp-request inspect-delay`). Each one
 * says when its answer may still change, as HAProxy's do, so a rule that does
 * not match yet waits for more data until the delay ends.
 */
const NONE: Sample = [];

function withView(src: SampleSource, read: (view: PayloadView) => Sample): Sample {
  const view = payloadOf(src);
  return view ? read(view) : NONE;
}

function positive(text: string | undefined, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a whole number`);
  return n;
}

function checkOffsets(args: string[], at: Loc): string[] {
  for (const a of args) if (!/^\d+$/.test(a)) throw syntaxError(at, `req.payload needs whole-number offsets and lengths, got '${a}'`);
  return args;
}

const reqLen = (_a: readonly string[], src: SampleSource): Sample =>
  withView(src, (v) => {
    couldChange(v);
    return v.data.length;
  });
registerFetch('req.len', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0] }, reqLen);
registerFetch('req_len', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0], canonical: 'req.len' }, reqLen);

/** `payload(off,len)`: `len` bytes from `off` (0: to the end), or nothing yet while they have not all come. */
function payloadSlice(args: readonly string[], v: PayloadView): Sample {
  const off = positive(args[0], 'offset');
  const len = positive(args[1], 'length');
  const end = len === 0 ? v.data.length : off + len;
  if (v.data.length < end || (len === 0 && v.data.length <= off)) {
    couldChange(v);
    return NONE;
  }
  return [v.data.subarray(off, end).toString('latin1')];
}

registerFetch('req.payload', { defaultMatch: 'bin', type: 'bin', layer: 'l6', args: [2, 2], checkArgs: checkOffsets }, (args, src) =>
  withView(src, (v) => payloadSlice(args, v)),
);

registerFetch('req.payload_lv', { defaultMatch: 'bin', type: 'bin', layer: 'l6', args: [2, 3], checkArgs: checkOffsets }, (args, src) =>
  withView(src, (v) => {
    const lenOff = positive(args[0], 'offset');
    const lenSize = positive(args[1], 'length');
    if (lenSize < 1 || lenSize > 4) return NONE;
    if (v.data.length < lenOff + lenSize) {
      couldChange(v);
      return NONE;
    }
    let len = 0;
    for (let i = 0; i < lenSize; i++) len = len * 256 + v.data[lenOff + i]!;
    const start = args[2] !== undefined ? lenOff + Number(args[2]) : lenOff + lenSize;
    if (v.data.length < start + len) {
      couldChange(v);
      return NONE;
    }
    return [v.data.subarray(start, start + len).toString('latin1')];
  }),
);

const helloType = (_a: readonly string[], src: SampleSource): Sample =>
  withView(src, (v) => {
    const head = readRecordHead(v.data);
    if (head === 'partial') {
      couldChange(v);
      return NONE;
    }
    return head === 'none' ? NONE : head.helloType;
  });
registerFetch('req.ssl_hello_type', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0] }, helloType);
registerFetch('req_ssl_hello_type', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0], canonical: 'req.ssl_hello_type' }, helloType);

const sslVer = (_a: readonly string[], src: SampleSource): Sample =>
  withView(src, (v) => {
    const head = readRecordHead(v.data);
    if (head === 'partial') {
      couldChange(v);
      return NONE;
    }
    return head === 'none' ? NONE : head.recordVersion;
  });
registerFetch('req.ssl_ver', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0] }, sslVer);
registerFetch('req_ssl_ver', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0], canonical: 'req.ssl_ver' }, sslVer);

const sslSni = (_a: readonly string[], src: SampleSource): Sample =>
  withView(src, (v) => {
    const hello = readClientHello(v.data);
    if (hello === 'partial') {
      couldChange(v);
      return NONE;
    }
    return hello === 'none' || hello.sni === undefined ? NONE : [hello.sni];
  });
registerFetch('req.ssl_sni', { defaultMatch: 'str', type: 'str', layer: 'l6', args: [0, 0], suffixes: true }, sslSni);
registerFetch('req_ssl_sni', { defaultMatch: 'str', type: 'str', layer: 'l6', args: [0, 0], canonical: 'req.ssl_sni', suffixes: true }, sslSni);

registerFetch('req.ssl_alpn', { defaultMatch: 'str', type: 'str', layer: 'l6', args: [0, 0] }, (_a, src) =>
  withView(src, (v) => {
    const hello = readClientHello(v.data);
    if (hello === 'partial') {
      couldChange(v);
      return NONE;
    }
    return hello === 'none' || !hello.alpn ? NONE : [...hello.alpn];
  }),
);

const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ \r\n]+ HTTP\/\d\.\d\r?\n/;
const TOKEN_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]*( [^ \r\n]*( (H(T(T(P(\/(\d(\.(\d\r?)?)?)?)?)?)?)?)?)?)?$/;

/** Always true for an HTTP request; in TCP mode true once a whole HTTP/1 request head is buffered, as HAProxy parses it. */
const protoHttp = (_a: readonly string[], src: SampleSource): Sample =>
  !isTcpSource(src)
    ? true
    : withView(src, (v) => {
        const text = v.data.subarray(0, 16384).toString('latin1');
        const complete = /\r?\n\r?\n/.test(text);
        if (complete) return REQUEST_LINE.test(text);
        // A request line, or a prefix of one, still being received: the answer may change with more bytes.
        const firstLine = text.includes('\n') ? text.slice(0, text.indexOf('\n') + 1) : text;
        if (REQUEST_LINE.test(firstLine) || (!text.includes('\n') && TOKEN_START.test(text))) couldChange(v);
        return false;
      });
registerFetch('req.proto_http', { defaultMatch: 'bool', type: 'bool', layer: 'l6', args: [0, 0] }, protoHttp);
registerFetch('req_proto_http', { defaultMatch: 'bool', type: 'bool', layer: 'l6', args: [0, 0], canonical: 'req.proto_http' }, protoHttp);

// The response side (`tcp-response content` rules): the same reads on what the server sent.
function withResponse(src: SampleSource, read: (view: PayloadView) => Sample): Sample {
  const view = responsePayloadOf(src);
  return view ? read(view) : NONE;
}

registerFetch('res.len', { defaultMatch: 'int', type: 'int', layer: 'l6', args: [0, 0] }, (_a, src) =>
  withResponse(src, (v) => {
    couldChange(v);
    return v.data.length;
  }),
);

registerFetch('res.payload', { defaultMatch: 'bin', type: 'bin', layer: 'l6', args: [2, 2], checkArgs: checkOffsets }, (args, src) =>
  withResponse(src, (v) => payloadSlice(args, v)),
);
