import type { SampleSource } from '../acl/sample-source.js';
import { txnOf } from '../acl/sample-source.js';
import type { Txn } from '../sample/txn.js';
import type { StickEntry, StickTable, RequestOutcome } from './stick-table.js';
import { STICK_COUNTERS } from './stick-parser.js';

/**
 * One tracking counter (scN): the table and the entry a rule started to
 * track. Stream-level trackers (http-request, tcp-request content) end with
 * the request; session-level ones (tcp-request connection/session) live as
 * long as the client connection.
 */
export interface Tracker {
  readonly table: StickTable;
  readonly entry: StickEntry;
  readonly level: 'session' | 'stream';
}

/** The stick tables of one running configuration, by the name of the section that declares each. */
export class StickTables {
  private readonly byName = new Map<string, StickTable>();
  constructor(tables: Iterable<StickTable>) {
    for (const t of tables) this.byName.set(t.name, t);
  }
  get(name: string): StickTable | undefined {
    return this.byName.get(name);
  }
  get size(): number {
    return this.byName.size;
  }
  all(): IterableIterator<StickTable> {
    return this.byName.values();
  }
}

/** Stick state of one request: its trackers, and where the configuration's tables are. */
export class StickTxn {
  readonly trackers: (Tracker | undefined)[] = new Array<Tracker | undefined>(STICK_COUNTERS).fill(undefined);
  tables: StickTables | undefined;
  /** Name of the proxy whose rules run now (the default table of src_* and table_* fetches written without one). */
  proxy: string | undefined;
  ended = false;
}

/** Each configuration's tables, reachable from its runtime frontends (the Txn knows its frontend). */
const tablesByFrontend = new WeakMap<object, StickTables>();

export function attachStickTables(frontend: object, tables: StickTables): void {
  tablesByFrontend.set(frontend, tables);
}

export function stickTxnOf(src: SampleSource): StickTxn {
  const txn = txnOf(src);
  let s = txn.stick;
  if (!s) {
    s = new StickTxn();
    txn.stick = s;
  }
  if (!s.tables && txn.frontend) s.tables = tablesByFrontend.get(txn.frontend);
  return s;
}

/** The stick state if the request has any (no allocation on the hot path of configs without tables). */
export function peekStickTxn(src: SampleSource): StickTxn | undefined {
  return src.txn?.stick;
}

/** A table by name, or the table of the proxy whose rules run now. */
export function tableNamed(s: StickTxn, name: string | undefined, txn: Txn | undefined): StickTable | undefined {
  const n = name ?? s.proxy ?? txn?.backend?.name ?? txn?.frontend?.name;
  return n === undefined ? undefined : s.tables?.get(n);
}

/**
 * Starts tracking `key` in `table` on counter `slot`, as a track-scN rule
 * does: the first tracker of a slot wins, later ones on the same slot are
 * ignored. Returns whether the slot is now tracked.
 */
export function trackKey(s: StickTxn, slot: number, table: StickTable, key: string, level: 'session' | 'stream', connectionOnly = false): boolean {
  if (s.trackers[slot]) return true;
  const entry = table.track(key, connectionOnly);
  if (!entry) return false;
  s.trackers[slot] = { table, entry, level };
  return true;
}

/** The request is over: every stream-level tracker counts its bytes and status and lets go of its entry. */
export function releaseStream(s: StickTxn, outcome: RequestOutcome): void {
  if (s.ended) return;
  s.ended = true;
  for (let i = 0; i < s.trackers.length; i++) {
    const t = s.trackers[i];
    if (!t || t.level !== 'stream') continue;
    t.table.releaseRequest(t.entry, outcome);
    s.trackers[i] = undefined;
  }
}

/** A TCP connection is over: every tracker, whatever its level, counts its bytes and lets go of its entry. */
export function releaseConnection(s: StickTxn, bytesIn: number, bytesOut: number): void {
  if (s.ended) return;
  s.ended = true;
  for (let i = 0; i < s.trackers.length; i++) {
    const t = s.trackers[i];
    if (!t) continue;
    t.table.releaseRequest(t.entry, { bytesIn, bytesOut, status: 0 });
    s.trackers[i] = undefined;
  }
}
