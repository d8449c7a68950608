import { HttpParseError } from './http-head.js';

const enum State { Size, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, TrailerLf, EndLf, Done }

/**
 * Walks a chunked body byte by byte without copying it, so that the proxy can
 * forward the bytes exactly as received and still know where the message ends
 * and whether the framing is valid.
 */
export class ChunkedScanner {
  private state = State.Size;
  private remaining = 0;
  private digits = 0;

  constructor(private readonly errorStatus: 400 | 502 = 400) {}

  get done(): boolean { return this.state === State.Done; }

  /** Consumes bytes from `buf[from..]`; returns the index after the last byte of the message, or buf.length. */
  scan(buf: Buffer, from: number): number {
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
          else if (c === 59 /* ; */ || c === 32 || c === 9) { this.state = State.Ext; i++; }
          else if (c === 13) { this.state = State.SizeLf; i++; }
          else if (c === 10) { i++; this.afterSize(); }
          else this.fail('bad chunk size');
          break;
        }
        case State.Ext: {
          const c = buf[i]!;
          if (c === 13) this.state = State.SizeLf;
          else if (c === 10) { i++; this.afterSize(); continue; }
          else if (c < 32 && c !== 9) this.fail('bad chunk extension');
          i++;
          break;
        }
        case State.SizeLf:
          if (buf[i] !== 10) this.fail('missing LF after chunk size');
          i++;
          this.afterSize();
          break;
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (buf[i] === 13) { this.state = State.DataLf; i++; }
          else if (buf[i] === 10) { this.state = State.Size; this.digits = 0; i++; }
          else this.fail('missing CRLF after chunk data');
          break;
        case State.DataLf:
          if (buf[i] !== 10) this.fail('missing LF after chunk data');
          this.state = State.Size; this.digits = 0; i++;
          break;
        case State.TrailerStart:
          if (buf[i] === 13) { this.state = State.EndLf; i++; }
          else if (buf[i] === 10) { this.state = State.Done; return i + 1; }
          else { this.state = State.TrailerLine; }
          break;
        case State.TrailerLine:
          if (buf[i] === 13) this.state = State.TrailerLf;
          else if (buf[i] === 10) this.state = State.TrailerStart;
          i++;
          break;
        case State.TrailerLf:
          if (buf[i] !== 10) this.fail('bad trailer line');
          this.state = State.TrailerStart; i++;
          break;
        case State.EndLf:
          if (buf[i] !== 10) this.fail('missing final LF');
          this.state = State.Done;
          return i + 1;
        case State.Done:
          return i;
      }
    }
    return n;
  }

  private afterSize(): void {
    if (this.remaining === 0) this.state = State.TrailerStart;
    else this.state = State.Data;
  }

  private fail(why: string): never {
    throw new HttpParseError(this.errorStatus, why);
  }
}
