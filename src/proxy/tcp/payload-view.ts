import type { SampleSource } from '../acl/sample-source.js';

/**
 * The bytes a TCP frontend has buffered from its client while its content
 * rules wait (`tcp-request inspect-delay`). Fetches that read them set
 * `mayChange` when a later read could change their answer, so that a rule
 * that does not match yet waits for more data instead of failing for good.
 */
export interface PayloadView {
  data: Buffer;
  /** No more waiting: the delay expired, the buffer is full or the client closed. */
  final: boolean;
  mayChange: boolean;
}

const views = new WeakMap<SampleSource, PayloadView>();

export function attachPayload(src: SampleSource, view: PayloadView): void {
  views.set(src, view);
}

export function payloadOf(src: SampleSource): PayloadView | undefined {
  return views.get(src);
}

/** What the server sent, while `tcp-response content` rules inspect it. */
const responseViews = new WeakMap<SampleSource, PayloadView>();

export function attachResponsePayload(src: SampleSource, view: PayloadView): void {
  responseViews.set(src, view);
}

export function responsePayloadOf(src: SampleSource): PayloadView | undefined {
  return responseViews.get(src);
}

/** Notes that the answer could still change (only while the buffer is not final). */
export function couldChange(view: PayloadView): void {
  if (!view.final) view.mayChange = true;
}

const tcpSources = new WeakSet<SampleSource>();

/** Marks the sample source of a TCP-mode connection: HTTP fetches then read the buffered bytes. */
export function markTcpSource(src: SampleSource): void {
  tcpSources.add(src);
}

export function isTcpSource(src: SampleSource): boolean {
  return tcpSources.has(src);
}

const HEAD_END = /\r?\n\r?\n/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(\d\.\d)$/;

/**
 * Whether HTTP fetches can read this source. HTTP requests always can; in
 * TCP mode, HAProxy parses an HTTP/1 request head out of the bytes buffered
 * under inspect-delay, and so does this: until a whole head is there the
 * fetches give nothing (and say more data could change that).
 */
export function httpAvailable(src: SampleSource): boolean {
  if (!tcpSources.has(src)) return true;
  const view = views.get(src);
  if (!view) return false;
  const text = view.data.subarray(0, INSPECT_LIMIT).toString('latin1');
  const end = HEAD_END.exec(text);
  if (!end) {
    couldChange(view);
    return false;
  }
  const lines = text.slice(0, end.index).split(/\r?\n/);
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (!m) return false;
  src.method = m[1]!;
  src.uri = m[2]!;
  src.version = m[3]!;
  src.headers = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) src.headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return true;
}

const INSPECT_LIMIT = 16384;
