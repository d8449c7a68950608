import type { ProxySection } from '../../config/model.js';
import type { Txn } from '../../sample/txn.js';

/**
 * Capture slots per frontend, in declaration order: `capture request header`,
 * `declare capture` and `http-request capture … len` each add one, and
 * `capture.req.hdr(N)` / `capture … id N` refer to them by index.
 */
const slots = new WeakMap<object, { request: number[]; response: number[] }>();

function of(section: ProxySection) {
  let s = slots.get(section);
  if (!s) {
    s = { request: [], response: [] };
    slots.set(section, s);
  }
  return s;
}

export function declareCapture(section: ProxySection, side: 'request' | 'response', len: number): number {
  const list = of(section)[side];
  list.push(len);
  return list.length - 1;
}

/** Lengths of the slots declared so far. */
export function requestCaptureCount(section: ProxySection, side: 'request' | 'response'): readonly number[] {
  return of(section)[side];
}

const headerCaps = new WeakMap<object, { request: { name: string; len: number; slot: number }[]; response: { name: string; len: number; slot: number }[] }>();

/** `capture request|response header NAME len N`: a slot filled from that header of every message. */
export function declareHeaderCapture(section: ProxySection, side: 'request' | 'response', name: string, len: number): void {
  const slot = declareCapture(section, side, len);
  let h = headerCaps.get(section);
  if (!h) {
    h = { request: [], response: [] };
    headerCaps.set(section, h);
  }
  h[side].push({ name: name.toLowerCase(), len, slot });
}

/** Fills header capture slots for one message (the last occurrence, cut to the declared length). */
export function captureHeaders(section: ProxySection, side: 'request' | 'response', headers: readonly [string, string][], txn: Txn): void {
  const list = headerCaps.get(section)?.[side];
  if (!list) return;
  const into = side === 'request' ? txn.reqCaptures : txn.resCaptures;
  for (const c of list) {
    let value: string | undefined;
    for (const [n, v] of headers) if (n.toLowerCase() === c.name) value = v;
    if (value !== undefined) into[c.slot] = value.slice(0, c.len);
  }
}
