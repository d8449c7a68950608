import { StickTable, type StickEntry, type RequestOutcome } from './stick-table.js';
import type { StickTableModel } from './stick-data.js';
import { activeJournal, StickPending } from './stick-journal.js';
import { mirror, type EntrySnapshot, type StickBatch, type StickOp, type StickReplies, type StickRequest } from './stick-wire.js';

/**
 * The worker's end of the channel to the primary (process.send in a cluster
 * worker). Operations issued while the event loop handles one round of I/O
 * go out as one message, and come back as one: under load a message carries
 * the operations of many requests, which is what keeps the IPC cost down.
 */
export class StickLink {
  private nextId = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  private queue: StickRequest[] = [];
  private flushing = false;

  constructor(private readonly post: (m: StickBatch) => void) {}

  private push(m: StickRequest): void {
    this.queue.push(m);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      const ops = this.queue;
      this.queue = [];
      this.flushing = false;
      this.post({ stick: 1, ops });
    });
  }

  request(op: StickOp, table: string, key: string, arg?: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.push(arg === undefined ? { stick: 1, id, op, table, key } : { stick: 1, id, op, table, key, arg });
    });
  }

  send(op: StickOp, table: string, key: string, arg?: unknown): void {
    this.push(arg === undefined ? { stick: 1, op, table, key } : { stick: 1, op, table, key, arg });
  }

  /** Replies from the primary; returns false for messages that are not stick replies. */
  receive(m: unknown): boolean {
    const r = m as StickReplies | null;
    if (!r || typeof r !== 'object' || r.stick !== 1 || !Array.isArray(r.replies)) return false;
    for (const one of r.replies) {
      const done = this.waiting.get(one.id);
      this.waiting.delete(one.id);
      done?.(one.value);
    }
    return true;
  }
}

/**
 * A table held by the primary process, seen from a worker. Reads of a
 * tracked entry use the copy the primary returned when tracking started
 * (plus this request's own updates); anything else asks the primary.
 */
export class RemoteStickTable extends StickTable {
  constructor(
    model: StickTableModel,
    private readonly link: StickLink,
  ) {
    super(model);
  }

  /** An answer from the primary: from the journal when an earlier attempt got it, else suspend the request. */
  private call(op: StickOp, key: string, arg?: unknown): unknown {
    const j = activeJournal();
    // Outside request routing nothing can wait: behave as if the key were unknown.
    if (!j) return undefined;
    const i = j.pos++;
    const rec = j.records[i];
    if (rec) return rec.value;
    const record = { op, table: this.name, key, value: undefined as unknown };
    const p = this.link.request(op, this.name, key, arg).then((v) => {
      record.value = v;
      j.records[i] = record;
    });
    throw new StickPending(p, j);
  }

  /** An update the primary applies; sent once even when the request's rules run again. */
  private update(op: StickOp, key: string, arg?: unknown): void {
    const j = activeJournal();
    if (j) {
      const i = j.pos++;
      if (j.records[i]) return;
      j.records[i] = { op, table: this.name, key, value: null };
    }
    this.link.send(op, this.name, key, arg);
  }

  override lookup(key: string): StickEntry | undefined {
    return mirror(key, this.model, (this.call('lookup', key) ?? null) as EntrySnapshot | null);
  }
  override getOrCreate(key: string): StickEntry | undefined {
    return mirror(key, this.model, (this.call('get', key) ?? null) as EntrySnapshot | null);
  }
  override track(key: string): StickEntry | undefined {
    return mirror(key, this.model, (this.call('track', key) ?? null) as EntrySnapshot | null);
  }
  override count(): number {
    return (this.call('count', '') as number | undefined) ?? 0;
  }
  override available(): number {
    return this.model.size - this.count();
  }
  override touch(): void {
    /* the primary touches the entries it updates */
  }
  override expire(): void {
    /* the primary's table expires */
  }
  override *all(): IterableIterator<StickEntry> {
    /* entries live in the primary */
  }

  override releaseRequest(e: StickEntry, o: RequestOutcome): void {
    this.update('release', e.key, o);
  }

  override incGpc(e: StickEntry, which: 0 | 1, inc = 1): number | undefined {
    const v = super.incGpc(e, which, inc);
    if (v !== undefined) this.update('inc', e.key, which);
    return v;
  }

  override clearGpc(e: StickEntry, which: 0 | 1): number | undefined {
    const v = super.clearGpc(e, which);
    if (v !== undefined) this.update('clr', e.key, which);
    return v;
  }

  override setGpt0(e: StickEntry, value: number): boolean {
    const ok = super.setGpt0(e, value);
    if (ok) this.update('gpt0', e.key, value);
    return ok;
  }

  override bumpConnCnt(e: StickEntry): number | undefined {
    const v = super.bumpConnCnt(e);
    if (v !== undefined) this.update('conn', e.key);
    return v;
  }

  override store(key: string, id: number): void {
    this.update('store', key, id);
  }
}
