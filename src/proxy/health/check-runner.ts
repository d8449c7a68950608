import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { CheckRule } from '../config/server-model.js';
import type { CheckProgram } from '../config/check-parser.js';
import { checkProxyHeader, runCustomExpect, sendData } from './tcp-check-steps.js';

export interface CheckTarget {
  host: string;
  port: number;
  /** TLS options for this server's checks (used when `tls` is set or a connect rule says `ssl`). */
  tlsOptions?: ConnectionOptions;
  /** Checks go over TLS by default (`check-ssl`, or `ssl` without a separate check port). */
  tls: boolean;
  /** PROXY protocol version the server's default check connections start with (`send-proxy`, `send-proxy-v2`, `check-send-proxy`). */
  proxyHeader?: 1 | 2;
}

/** `conditional`: the server answered 404 under `disable-on-404` (up, but out of load balancing). */
export interface CheckOutcome {
  ok: boolean;
  status: string;
  conditional?: boolean;
}

/** HAProxy reads at most one buffer of a check response. */
const MAX_RESPONSE = 16384;

interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: string;
  complete: boolean;
}

/** Splits what an HTTP server sent so far; complete once the body is whole (or the server closed). */
function parseHttp(raw: string, closed: boolean, headRequest = false): HttpResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  const endLf = end < 0 ? raw.indexOf('\n\n') : -1;
  if (end < 0 && endLf < 0) return null;
  const headEnd = end >= 0 ? end + 4 : endLf + 2;
  const lines = raw.slice(0, headEnd).split(/\r?\n/);
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
  if (!m) return { status: 0, headers: [], body: '', complete: true };
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.push([l.slice(0, c).trim(), l.slice(c + 1).trim()]);
  }
  const find = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
  let body = raw.slice(headEnd);
  let complete = closed || raw.length >= MAX_RESPONSE;
  const status = Number(m[1]);
  const cl = find('content-length');
  // The answer to HEAD announces a length but carries no body.
  if (headRequest || status === 204 || status === 304 || status < 200) {
    complete = true;
    body = '';
  } else if (cl !== undefined && /^\d+$/.test(cl)) {
    if (body.length >= Number(cl)) {
      complete = true;
      body = body.slice(0, Number(cl));
    }
  } else if (/chunked/i.test(find('transfer-encoding') ?? '')) {
    const decoded = dechunk(body);
    if (decoded !== null) {
      body = decoded;
      complete = true;
    }
  }
  return { status, headers, body, complete };
}

function dechunk(data: string): string | null {
  let out = '';
  let p = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', p);
    if (eol < 0) return null;
    const size = parseInt(data.slice(p, eol), 16);
    if (Number.isNaN(size)) return out;
    if (size === 0) return out;
    if (data.length < eol + 2 + size + 2) return null;
    out += data.slice(eol + 2, eol + 2 + size);
    p = eol + 2 + size + 2;
  }
}

function statusMatches(pattern: string, status: number): boolean {
  return pattern.split(',').some((part) => {
    const [lo, hi] = part.split('-').map(Number) as [number, number?];
    return status >= lo && status <= (hi ?? lo);
  });
}

function textMatch(method: string, subject: string, pattern: string): boolean {
  switch (method) {
    case 'beg':
      return subject.startsWith(pattern);
    case 'end':
      return subject.endsWith(pattern);
    case 'sub':
      return subject.includes(pattern);
    case 'reg':
      return new RegExp(pattern).test(subject);
    default:
      return subject === pattern;
  }
}

/** One HTTP expect rule against a complete response: pass or the failure reason. */
function httpExpect(rule: CheckRule & { kind: 'expect' }, r: HttpResponse): string | null {
  let matched: boolean;
  let what: string;
  switch (rule.what) {
    case 'status':
      matched = statusMatches(rule.pattern, r.status);
      what = `wrong status, code: ${r.status}`;
      break;
    case 'rstatus':
      matched = new RegExp(rule.pattern).test(String(r.status));
      what = `wrong status, code: ${r.status}`;
      break;
    case 'string':
      matched = r.body.includes(rule.pattern);
      what = `response error, '${rule.pattern}' not found`;
      break;
    case 'rstring':
      matched = new RegExp(rule.pattern).test(r.body);
      what = `response error, no match for regex '${rule.pattern}'`;
      break;
    case 'hdr': {
      const [vm, vp] = rule.hdrValue !== undefined ? (rule.hdrValue.split('\u0000') as [string, string]) : [undefined, undefined];
      const named = r.headers.filter(([n]) => textMatch(rule.pattern, n.toLowerCase(), rule.pattern === 'reg' ? rule.hdrName! : rule.hdrName!.toLowerCase()));
      matched =
        vm === undefined
          ? named.length > 0
          : named.some(([, v]) =>
              v
                .split(',')
                .map((x) => x.trim())
                .some((x) => textMatch(vm, x, vp!)),
            );
      what = `response error, header '${rule.hdrName}' not matched`;
      break;
    }
    default:
      matched = false;
      what = 'invalid rule';
  }
  if (rule.negate) matched = !matched;
  return matched ? null : `Layer7 ${rule.negate ? 'unexpected match' : what}`;
}

/** A TCP expect rule on the bytes received so far: pass, fail, or wait for more. */
function tcpExpect(rule: CheckRule & { kind: 'expect' }, data: string, final: boolean): 'pass' | 'fail' | 'wait' {
  if (rule.minRecv !== undefined && data.length < rule.minRecv && !final) return 'wait';
  let found: boolean;
  switch (rule.what) {
    case 'string':
      found = data.includes(rule.pattern);
      break;
    case 'rstring':
      found = new RegExp(rule.pattern).test(data);
      break;
    case 'binary':
      found = data.includes(Buffer.from(rule.pattern, 'hex').toString('latin1'));
      break;
    case 'rbinary':
      found = new RegExp(rule.pattern).test(Buffer.from(data, 'latin1').toString('hex').toUpperCase());
      break;
    default:
      found = false;
  }
  if (found) return rule.negate ? 'fail' : 'pass';
  // With min-recv, a mismatch on that many bytes is conclusive; without it, more data may still match.
  if (!final && data.length < MAX_RESPONSE && rule.minRecv === undefined) return 'wait';
  return rule.negate ? 'pass' : 'fail';
}

/**
 * Runs a check program against one server: connects (plain or TLS), sends,
 * and evaluates expect rules in order; the first failing rule fails the
 * check. An HTTP send without any expect rule in the program passes on a
 * 2xx or 3xx status.
 */
export class CheckRun {
  private socket: Socket | undefined;
  private received = '';
  private closed = false;
  private index = 0;
  private done = false;
  private waiting: (() => void) | null = null;
  private readonly implicitStatus: boolean;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly program: CheckProgram,
    private readonly target: CheckTarget,
    timeoutMs: number,
    private readonly finish: (o: CheckOutcome) => void,
    private readonly checkMs?: number,
  ) {
    this.implicitStatus = program.kind === 'http' && !program.rules.some((r) => r.kind === 'expect');
    this.timer = setTimeout(() => this.end(false, this.socket && this.connected ? 'Layer7 timeout' : 'Layer4 timeout'), timeoutMs);
    this.next();
  }

  private connected = false;

  cancel(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private end(ok: boolean, status: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
    this.finish({ ok, status });
  }

  private next(): void {
    while (!this.done) {
      const rule = this.program.rules[this.index];
      if (!rule) {
        this.end(
          true,
          this.program.kind === 'http'
            ? `Layer7 check passed, code: ${this.lastStatus}`
            : this.program.rules.length > 1
              ? 'Layer7 check passed'
              : 'Layer4 check passed',
        );
        return;
      }
      switch (rule.kind) {
        case 'comment':
          this.index++;
          continue;
        case 'connect':
          this.open(rule);
          return;
        case 'send':
          // HAProxy forgets what it received before each send: later expects see only the new answer.
          this.received = '';
          this.write(sendData(rule, this.target.port));
          this.index++;
          continue;
        case 'expect-custom':
          this.awaitCustom(rule);
          return;
        case 'send-http': {
          let head = `${rule.method ?? 'OPTIONS'} ${rule.uri ?? '/'} ${rule.version ?? 'HTTP/1.0'}\r\n`;
          for (const [n, v] of rule.headers) head += `${n}: ${v}\r\n`;
          if (rule.body !== undefined) head += `content-length: ${Buffer.byteLength(rule.body, 'latin1')}\r\n`;
          this.received = '';
          this.lastMethod = rule.method ?? 'OPTIONS';
          this.write(`${head}\r\n${rule.body ?? ''}`);
          this.index++;
          if (this.implicitStatus) {
            this.awaitHttp();
            return;
          }
          continue;
        }
        case 'expect':
          if (this.program.kind === 'http') {
            this.awaitHttp();
            return;
          }
          this.awaitTcp(rule);
          return;
      }
    }
  }

  private lastStatus = 0;
  private lastMethod = 'OPTIONS';

  /** Waits for a whole response, then runs this and the following expect rules on it. */
  private awaitHttp(): void {
    const tryNow = (): boolean => {
      const r = parseHttp(this.received, this.closed, this.lastMethod === 'HEAD');
      if (!r || !r.complete) {
        if (this.closed) {
          this.end(false, this.received ? 'Layer7 invalid response' : 'Layer7 invalid response: connection closed');
          return true;
        }
        return false;
      }
      if (r.status === 0) {
        this.end(false, 'Layer7 invalid response');
        return true;
      }
      this.lastStatus = r.status;
      if (this.program.disableOn404 && r.status === 404) {
        if (this.done) return true;
        this.done = true;
        clearTimeout(this.timer);
        this.socket?.destroy();
        this.finish({ ok: true, conditional: true, status: 'Layer7 check conditionally passed, code: 404' });
        return true;
      }
      if (this.implicitStatus && this.program.rules[this.index]?.kind !== 'expect') {
        if (r.status < 200 || r.status > 399) {
          this.end(false, `Layer7 wrong status, code: ${r.status}`);
          return true;
        }
      }
      while (this.program.rules[this.index]?.kind === 'expect') {
        const failure = httpExpect(this.program.rules[this.index] as CheckRule & { kind: 'expect' }, r);
        if (failure) {
          this.end(false, failure);
          return true;
        }
        this.index++;
      }
      this.next();
      return true;
    };
    this.wait(tryNow);
  }

  /** The server closed without a byte since the last send: a failure whatever the expect says (even negated). */
  private emptyAndClosed(): boolean {
    if (!this.closed || this.received !== '') return false;
    this.end(false, 'Layer7 invalid response: TCPCHK got an empty response');
    return true;
  }

  private awaitCustom(rule: CheckRule & { kind: 'expect-custom' }): void {
    this.wait(() => {
      if (this.emptyAndClosed()) return true;
      const v = runCustomExpect(rule.check, this.received, this.closed || this.received.length >= MAX_RESPONSE);
      if (v.verdict === 'wait') return false;
      if (v.verdict === 'fail') {
        this.end(false, v.status);
        return true;
      }
      this.index++;
      this.next();
      return true;
    });
  }

  private awaitTcp(rule: CheckRule & { kind: 'expect' }): void {
    const tryNow = (): boolean => {
      if (this.emptyAndClosed()) return true;
      const v = tcpExpect(rule, this.received, this.closed);
      if (v === 'wait') return false;
      if (v === 'fail') {
        this.end(false, rule.negate ? 'Layer7 unexpected content' : `Layer7 response error, '${rule.pattern}' not found`);
        return true;
      }
      this.index++;
      this.next();
      return true;
    };
    this.wait(tryNow);
  }

  /** Re-runs `attempt` on each arrival of data or close until it settles (a later rule may install its own). */
  private wait(attempt: () => boolean): void {
    if (attempt()) return;
    const retry = () => {
      this.waiting = null;
      if (!attempt() && this.waiting === null) this.waiting = retry;
    };
    this.waiting = retry;
  }

  private write(data: string): void {
    if (!this.socket || this.closed) {
      this.end(false, 'Layer4 connection problem: not connected');
      return;
    }
    this.socket.write(data, 'latin1');
  }

  private open(rule: CheckRule & { kind: 'connect' }): void {
    this.socket?.destroy();
    this.received = '';
    this.closed = false;
    this.connected = false;
    const port = rule.port ?? this.target.port;
    const useTls = rule.ssl ?? this.target.tls;
    let sock: Socket;
    const onReady = () => {
      this.connected = true;
      const proxyVersion = rule.sendProxy ? 1 : rule.default ? this.target.proxyHeader : undefined;
      if (proxyVersion) sock.write(checkProxyHeader(sock, proxyVersion));
      // With `timeout check`, the connect phase has its own limit and the rest of the check gets `timeout check` from here.
      if (this.checkMs !== undefined) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.end(false, 'Layer7 timeout'), this.checkMs);
      }
      this.index++;
      this.next();
    };
    if (useTls) {
      const opts: ConnectionOptions = { ...(this.target.tlsOptions ?? { rejectUnauthorized: false }), host: this.target.host, port };
      if (rule.sni) opts.servername = rule.sni;
      if (rule.alpn) opts.ALPNProtocols = rule.alpn;
      sock = tlsConnect(opts, onReady);
    } else {
      sock = connect({ host: this.target.host, port }, onReady);
    }
    this.socket = sock;
    sock.on('data', (d: Buffer) => {
      this.received += d.toString('latin1');
      this.waiting?.();
    });
    sock.on('end', () => {
      this.closed = true;
      this.waiting?.();
    });
    sock.on('close', () => {
      if (this.done || this.socket !== sock) return;
      this.closed = true;
      if (this.waiting) this.waiting();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket !== sock) return;
      if (!this.connected) {
        const tlsProblem = useTls && e.code !== 'ECONNREFUSED' && e.code !== 'ETIMEDOUT' && e.code !== 'EHOSTUNREACH';
        this.end(false, tlsProblem ? `Layer6 invalid response: ${e.code ?? e.message}` : `Layer4 connection problem: ${e.code ?? e.message}`);
      }
    });
  }
}
