import { FreqCounter } from './freq-counter.js';
import { StickEntry, type StickTable } from './stick-table.js';
import type { CounterType, RateType, StickTableModel } from './stick-data.js';

/** An operation a worker asks the primary to run on one of its tables. */
export interface StickRequest {
  readonly stick: 1;
  /** Present when the worker waits for the answer. */
  readonly id?: number;
  readonly op: StickOp;
  readonly table: string;
  readonly key: string;
  readonly arg?: unknown;
}
export interface StickReply {
  readonly id: number;
  readonly value: unknown;
}
/** What travels: the operations of one event-loop round, and the answers to those that wait. */
export interface StickBatch {
  readonly stick: 1;
  readonly ops: readonly StickRequest[];
}
export interface StickReplies {
  readonly stick: 1;
  readonly replies: readonly StickReply[];
}

export type StickOp = 'track' | 'lookup' | 'get' | 'count' | 'release' | 'inc' | 'clr' | 'gpt0' | 'conn' | 'store';

/** An entry as sent between processes. */
export interface EntrySnapshot {
  readonly n: Partial<Record<CounterType, number>>;
  readonly r: Partial<Record<RateType, [number, number, number]>>;
  readonly ref: number;
}

export function snapshot(e: StickEntry | undefined): EntrySnapshot | null {
  if (!e) return null;
  const r: Partial<Record<RateType, [number, number, number]>> = {};
  for (const [k, f] of Object.entries(e.r) as [RateType, FreqCounter][]) r[k] = f.toJSON();
  return { n: { ...e.n }, r, ref: e.ref };
}

/** A local copy of an entry, read by the fetches of one request. */
export function mirror(key: string, model: StickTableModel, s: EntrySnapshot | null): StickEntry | undefined {
  if (!s) return undefined;
  const e = new StickEntry(key, model);
  Object.assign(e.n, s.n);
  for (const [k, raw] of Object.entries(s.r) as [RateType, [number, number, number]][]) e.r[k] = FreqCounter.from(raw);
  e.ref = s.ref;
  return e;
}

/** Runs a worker's request on the primary's table. */
export function applyStickRequest(t: StickTable, m: StickRequest): unknown {
  switch (m.op) {
    case 'track':
      return snapshot(t.track(m.key));
    case 'lookup':
      return snapshot(t.lookup(m.key));
    case 'get':
      return snapshot(t.getOrCreate(m.key));
    case 'count':
      return t.count();
    case 'release': {
      const e = t.lookup(m.key);
      if (e) t.releaseRequest(e, m.arg as { bytesIn: number; bytesOut: number; status: number });
      return null;
    }
    case 'inc':
    case 'clr':
    case 'gpt0':
    case 'conn': {
      const e = t.lookup(m.key);
      if (!e) return null;
      let changed: unknown;
      if (m.op === 'inc') changed = t.incGpc(e, m.arg as 0 | 1);
      else if (m.op === 'clr') changed = t.clearGpc(e, m.arg as 0 | 1);
      else if (m.op === 'gpt0') changed = t.setGpt0(e, m.arg as number) ? true : undefined;
      else return t.bumpConnCnt(e) ?? null;
      if (changed !== undefined) t.touch(e);
      return null;
    }
    case 'store':
      t.store(m.key, m.arg as number);
      return null;
  }
}
