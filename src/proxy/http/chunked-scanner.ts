import { HttpParseError } from './http-head.js';

const enum State {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Trailer section size limit: beyond it the message is refused rather than buffered. */
const MAX_TRAILER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const LAST = Buffer.from('0\r\n');

/**
 * Walks a chunked body byte by byte and knows where the message ends and
 * whether the framing is valid. Trailer lines must be header fields: anything
 * else (a second request hidden after the last chunk) is refused.
 *
 * With an `out` list, the body is also re-framed as it goes: chunk sizes in
 * upper-case hex without extensions, CRLF line ends, trailer names in lower
 * case. That is what a request body looks like when it leaves the proxy, so a
 * server never sees bare LFs or extensions the proxy read differently.
 */
export class ChunkedScanner {
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  private trailer = '';
  private trailerBytes = 0;

  constructor(private readonly errorStatus: 400 | 502 = 400) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Consumes bytes from `buf[from..]`; returns the index after the last byte of the message, or buf.length. */
  scan(buf: Buffer, from: number, out?: Buffer[]): number {
    let i = from;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case State.Size: {
          const c = buf[i]!;
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v >= 0) {
            if (++this.digits > 12) this.fail('chunk size too large');
            this.remaining = this.remaining * 16 + v;
            i++;
          } else if (this.digits === 0) this.fail('bad chunk size');
          else if (c === 59 /* ; */ || c === 32 || c === 9) {
            this.state = State.Ext;
            i++;
          } else if (c === 13) {
            this.state = State.SizeLf;
            i++;
          } else if (c === 10) {
            i++;
            this.afterSize(out);
          } else this.fail('bad chunk size');
          break;
        }
        case State.Ext: {
          const c = buf[i]!;
          if (c === 13) this.state = State.SizeLf;
          else if (c === 10) {
            i++;
            this.afterSize(out);
            continue;
          } else if (c < 32 && c !== 9) this.fail('bad chunk extension');
          i++;
          break;
        }
        case State.SizeLf:
          if (buf[i] !== 10) this.fail('missing LF after chunk size');
          i++;
          this.afterSize(out);
          break;
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          out?.push(buf.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (buf[i] === 13) {
            this.state = State.DataLf;
            i++;
          } else if (buf[i] === 10) {
            this.state = State.Size;
            this.digits = 0;
            i++;
            out?.push(CRLF);
          } else this.fail('missing CRLF after chunk data');
          break;
        case State.DataLf:
          if (buf[i] !== 10) this.fail('missing LF after chunk data');
          this.state = State.Size;
          this.digits = 0;
          i++;
          out?.push(CRLF);
          break;
        case State.TrailerStart:
          if (buf[i] === 13) {
            this.state = State.EndLf;
            i++;
          } else if (buf[i] === 10) {
            this.state = State.Done;
            out?.push(CRLF);
            return i + 1;
          } else {
            this.state = State.TrailerLine;
            this.trailer = '';
          }
          break;
        case State.TrailerLine: {
          const c = buf[i]!;
          if (c === 13) this.state = State.TrailerLf;
          else if (c === 10) {
            this.endTrailerLine(out);
            this.state = State.TrailerStart;
          } else {
            if (++this.trailerBytes > MAX_TRAILER_BYTES) this.fail('trailers too large');
            this.trailer += String.fromCharCode(c);
          }
          i++;
          break;
        }
        case State.TrailerLf:
          if (buf[i] !== 10) this.fail('bad trailer line');
          this.endTrailerLine(out);
          this.state = State.TrailerStart;
          i++;
          break;
        case State.EndLf:
          if (buf[i] !== 10) this.fail('missing final LF');
          this.state = State.Done;
          out?.push(CRLF);
          return i + 1;
        case State.Done:
          return i;
      }
    }
    return n;
  }

  private afterSize(out: Buffer[] | undefined): void {
    if (this.remaining === 0) {
      this.state = State.TrailerStart;
      out?.push(LAST);
      return;
    }
    this.state = State.Data;
    out?.push(Buffer.from(`${this.remaining.toString(16).toUpperCase()}\r\n`, 'latin1'));
  }

  /** A trailer line must be a header field (name, colon, value); it is re-emitted normalised. */
  private endTrailerLine(out: Buffer[] | undefined): void {
    const line = this.trailer;
    this.trailer = '';
    const colon = line.indexOf(':');
    if (colon <= 0) this.fail('trailer line is not a header field');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) this.fail('invalid trailer name');
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (BAD_VALUE.test(value)) this.fail('control character in trailer value');
    out?.push(Buffer.from(`${name.toLowerCase()}: ${value}\r\n`, 'latin1'));
  }

  private fail(why: string): never {
    throw new HttpParseError(this.errorStatus, why);
  }
}
