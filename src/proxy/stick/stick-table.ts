import { FreqCounter } from './freq-counter.js';
import type { CounterType, RateType, StickTableModel } from './stick-data.js';

/** One key's row. Counters and rates exist only for the types the table stores. */
export class StickEntry {
  /** When the entry may be forgotten (ms); meaningless while `ref` > 0. */
  exp = 0;
  /** Trackers currently holding the entry; a held entry neither expires nor is purged. */
  ref = 0;
  readonly n: Partial<Record<CounterType, number>> = {};
  readonly r: Partial<Record<RateType, FreqCounter>> = {};

  constructor(
    readonly key: string,
    model: StickTableModel,
  ) {
    for (const c of model.counters) this.n[c] = 0;
    for (const t of model.rates.keys()) this.r[t] = new FreqCounter();
  }
}

/** What a finished request adds to the entries that tracked it. */
export interface RequestOutcome {
  bytesIn: number;
  bytesOut: number;
  status: number;
}

/**
 * A stick table in this process: entries keyed by their normalised key,
 * kept in the order they were last touched. Since every touch moves the
 * expiry to now + expire, that order is also expiry order, which is the
 * order HAProxy purges in when the table is full and in which entries expire.
 */
export class StickTable {
  private readonly entries = new Map<string, StickEntry>();
  /** The entry last moved to the end of `entries` (every insertion goes through touch). */
  private newest: StickEntry | undefined;
  /** How many entries one purge frees when the table is full (HAProxy's size/256 + 1). */
  private readonly purgeBatch: number;

  constructor(
    readonly model: StickTableModel,
    private readonly clock: () => number = Date.now,
  ) {
    this.purgeBatch = (model.size >> 8) + 1;
  }

  get name(): string {
    return this.model.name;
  }

  now(): number {
    return this.clock();
  }

  /** The live entry for a key, or undefined (an expired one is dropped on the way). */
  lookup(key: string): StickEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.ref === 0 && this.model.expire !== undefined && e.exp <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** The entry for a key, created when missing; undefined when the table is full and nothing can be purged. */
  getOrCreate(key: string): StickEntry | undefined {
    const found = this.lookup(key);
    if (found) return found;
    this.expire();
    if (this.entries.size >= this.model.size) {
      if (this.model.nopurge) return undefined;
      this.purgeOldest(this.purgeBatch);
      if (this.entries.size >= this.model.size) return undefined;
    }
    const e = new StickEntry(key, this.model);
    this.entries.set(key, e);
    this.touch(e);
    return e;
  }

  /** Restarts the entry's idle time. */
  touch(e: StickEntry): void {
    if (this.model.expire !== undefined) e.exp = this.clock() + this.model.expire;
    // Re-inserting keeps the map in touch (= expiry) order.
    // The newest entry already (one client's requests in a row): moving it to the end would change nothing.
    if (e === this.newest) return;
    if (this.entries.get(e.key) === e) {
      this.entries.delete(e.key);
      this.entries.set(e.key, e);
      this.newest = e;
    }
  }

  /** Entries currently held (HAProxy's table_cnt). */
  count(): number {
    this.expire();
    return this.entries.size;
  }

  /** Free slots (HAProxy's table_avl). */
  available(): number {
    return this.model.size - this.count();
  }

  /** Forgets the entries whose idle time ran out. */
  expire(): void {
    if (this.model.expire === undefined) return;
    const now = this.clock();
    for (const e of this.entries.values()) {
      if (e.exp > now) break;
      if (e.ref === 0) this.entries.delete(e.key);
    }
  }

  private purgeOldest(n: number): void {
    for (const e of this.entries.values()) {
      if (n <= 0) break;
      if (e.ref > 0) continue;
      this.entries.delete(e.key);
      n--;
    }
  }

  /** All live entries (the stats and tests read them). */
  *all(): IterableIterator<StickEntry> {
    this.expire();
    yield* this.entries.values();
  }

  // ---- events -----------------------------------------------------------------------------

  private bump(e: StickEntry, counter: CounterType | undefined, rate: RateType | undefined, inc: number, now: number): void {
    if (counter !== undefined && e.n[counter] !== undefined) e.n[counter] = e.n[counter]! + inc;
    if (rate !== undefined) {
      const f = e.r[rate];
      if (f) f.add(now, this.model.rates.get(rate)!, inc);
    }
  }

  /** Finds or creates the key's entry and starts tracking it; undefined when the table has no room. */
  track(key: string, connectionOnly = false): StickEntry | undefined {
    const e = this.getOrCreate(key);
    if (e) this.trackRequest(e, connectionOnly);
    return e;
  }

  /** conn_cnt plus one (src_updt_conn_cnt); undefined when not stored. */
  bumpConnCnt(e: StickEntry): number | undefined {
    if (e.n.conn_cnt === undefined) return undefined;
    e.n.conn_cnt++;
    this.touch(e);
    return e.n.conn_cnt;
  }

  /** Creates or updates the key's entry to point at server `id` (stick store rules). */
  store(key: string, id: number): void {
    const e = this.getOrCreate(key);
    if (e) this.setServerId(e, id);
  }

  /** Points the entry at a server (stick store rules). */
  setServerId(e: StickEntry, id: number): void {
    if (e.n.server_id === undefined) return;
    e.n.server_id = id;
    this.touch(e);
  }

  /** A request starts tracking the entry: it counts as a connection and as an HTTP request (a TCP connection only as a connection). */
  trackRequest(e: StickEntry, connectionOnly = false): void {
    const now = this.clock();
    e.ref++;
    this.bump(e, 'conn_cnt', 'conn_rate', 1, now);
    this.bump(e, 'conn_cur', undefined, 1, now);
    if (!connectionOnly) this.bump(e, 'http_req_cnt', 'http_req_rate', 1, now);
    this.touch(e);
  }

  /** The request that tracked the entry is over: its bytes and its status are counted. */
  releaseRequest(e: StickEntry, o: RequestOutcome): void {
    const now = this.clock();
    if (e.n.conn_cur !== undefined && e.n.conn_cur > 0) e.n.conn_cur--;
    if (e.ref > 0) e.ref--;
    this.bump(e, 'bytes_in_cnt', 'bytes_in_rate', o.bytesIn, now);
    this.bump(e, 'bytes_out_cnt', 'bytes_out_rate', o.bytesOut, now);
    if (o.status >= 400 && o.status < 500) this.bump(e, 'http_err_cnt', 'http_err_rate', 1, now);
    if (o.status >= 500 && o.status !== 501 && o.status !== 505) this.bump(e, 'http_fail_cnt', 'http_fail_rate', 1, now);
    this.touch(e);
  }

  /** gpc0/gpc1 plus one; returns the new counter (or the rate when only the rate is stored), undefined when neither is stored. */
  incGpc(e: StickEntry, which: 0 | 1, inc = 1): number | undefined {
    const now = this.clock();
    const c: CounterType = which === 0 ? 'gpc0' : 'gpc1';
    const r: RateType = which === 0 ? 'gpc0_rate' : 'gpc1_rate';
    if (e.n[c] === undefined && !e.r[r]) return undefined;
    this.bump(e, c, r, inc, now);
    return e.n[c] ?? e.r[r]!.read(now, this.model.rates.get(r)!);
  }

  /** Sets gpc0/gpc1 to zero; returns the value it had, undefined when not stored. */
  clearGpc(e: StickEntry, which: 0 | 1): number | undefined {
    const c: CounterType = which === 0 ? 'gpc0' : 'gpc1';
    const old = e.n[c];
    if (old === undefined) return undefined;
    e.n[c] = 0;
    return old;
  }

  setGpt0(e: StickEntry, value: number): boolean {
    if (e.n.gpt0 === undefined) return false;
    e.n.gpt0 = value;
    return true;
  }

  /** Reads a counter or a rate of an entry; undefined when the table does not store it. */
  read(e: StickEntry, type: CounterType | RateType): number | undefined {
    const f = e.r[type as RateType];
    if (f) return f.read(this.clock(), this.model.rates.get(type as RateType)!);
    return e.n[type as CounterType];
  }
}
