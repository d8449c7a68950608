import { eligible, type BalancedServer, type Balancer } from './balanced-server.js';

/** Weights are scaled as HAProxy scales them, so integer steps round the same way. */
const WEIGHT_SCALE = 16;
const EWEIGHT_MAX = 256 * WEIGHT_SCALE;

interface Slot {
  server: BalancedServer;
  eweight: number;
  /** Next position in the current window. */
  npos: number;
  /** Remainder of the weight division, carried to the next step. */
  rweight: number;
  key: number;
  seq: number;
}

/**
 * Weighted round robin with HAProxy's "fast weighted round robin" ordering,
 * so that a given set of weights yields the same server sequence as HAProxy
 * (3:1 gives a a a b; 1:2 gives b b a). Servers wait in three ordered lists:
 * `init` (not scheduled yet, heaviest first), `curr` (scheduled in this
 * window by next position) and `next` (pushed to the following window).
 * When the set of usable servers changes the schedule starts over.
 */
export class RoundRobinBalancer implements Balancer {
  private init: Slot[] = [];
  private curr: Slot[] = [];
  private next: Slot[] = [];
  private currWeight = 0;
  private nextWeight = 0;
  private currPos = 0;
  private seq = 0;
  private setKey = '';

  constructor(
    private readonly servers: readonly BalancedServer[],
    private readonly allBackups = false,
  ) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    const key = this.eligibilityKey();
    if (key !== this.setKey) {
      const list = eligible(this.servers, this.allBackups);
      if (list.length === 0) return null;
      this.reset(list, key);
    }
    const list = this.curr.length + this.init.length + this.next.length;
    const skipped: Slot[] = [];
    let chosen: Slot | null = null;
    let avoided: Slot | null = null;
    let switched = false;
    if (this.currWeight === 0) this.currPos = this.currWeight = this.nextWeight;
    for (let guard = 0; guard < 4 * list + 4; guard++) {
      const slot = this.fromGroup();
      if (!slot) {
        if (switched) break;
        switched = true;
        this.switchTrees();
        continue;
      }
      this.updatePosition(slot);
      this.dequeue(slot);
      this.currPos++;
      if (slot.server.hasSlot() && (slot.server !== avoid || avoided)) {
        chosen = slot;
        break;
      }
      if (slot.server === avoid && slot.server.hasSlot()) avoided = slot;
      else skipped.push(slot);
    }
    if (!chosen && avoided) chosen = avoided;
    else if (avoided) skipped.push(avoided);
    if (chosen) this.queue(chosen);
    for (const s of skipped) this.queue(s);
    return chosen ? chosen.server : null;
  }

  /**
   * A cheap fingerprint of which servers are eligible, computed without
   * allocating on every request; the schedule is rebuilt only when it changes.
   */
  private eligibilityKey(): string {
    let mask = 0;
    let bits = '';
    let firstBackup = -1;
    let backups = '';
    const servers = this.servers;
    const wide = servers.length > 30;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[i]!;
      const ok = s.usable();
      if (s.backup) {
        if (this.allBackups) backups += ok ? '1' : '0';
        else if (ok && firstBackup < 0) firstBackup = i;
        continue;
      }
      if (wide) bits += ok ? '1' : '0';
      else if (ok) mask |= 1 << i;
    }
    const anyActive = wide ? bits.includes('1') : mask !== 0;
    return anyActive ? `a${wide ? bits : mask}` : `b${this.allBackups ? backups : firstBackup}`;
  }

  private reset(list: BalancedServer[], key: string): void {
    this.setKey = key;
    this.curr = [];
    this.next = [];
    this.init = [];
    let total = 0;
    for (const s of list) {
      const eweight = s.weight * WEIGHT_SCALE;
      total += eweight;
      this.insert(this.init, { server: s, eweight, npos: 0, rweight: 0, key: EWEIGHT_MAX - eweight, seq: 0 });
    }
    this.currWeight = this.nextWeight = this.currPos = total;
  }

  private fromGroup(): Slot | null {
    const first = this.curr[0];
    if (first && first.eweight > 0 && first.npos <= this.currPos) return first;
    const waiting = this.init[0];
    if (waiting && waiting.eweight > 0) {
      waiting.npos = 0;
      waiting.rweight = 0;
      return waiting;
    }
    return first ?? null;
  }

  private updatePosition(s: Slot): void {
    if (s.eweight === 0) return;
    if (s.npos === 0) s.npos = this.currPos;
    s.npos += Math.floor(this.nextWeight / s.eweight);
    s.rweight += this.nextWeight % s.eweight;
    if (s.rweight >= s.eweight) {
      s.rweight -= s.eweight;
      s.npos++;
    }
  }

  private dequeue(s: Slot): void {
    for (const tree of [this.curr, this.init, this.next]) {
      const i = tree.indexOf(s);
      if (i >= 0) {
        tree.splice(i, 1);
        return;
      }
    }
  }

  private queue(s: Slot): void {
    if (s.eweight <= 0 || s.npos >= 2 * this.currWeight || s.npos >= this.currWeight + this.nextWeight) {
      s.npos -= this.currWeight;
      s.key = EWEIGHT_MAX - s.eweight;
      this.insert(this.next, s);
    } else {
      s.key = 256 * s.npos + Math.floor((EWEIGHT_MAX + s.rweight - s.eweight) / WEIGHT_SCALE);
      this.insert(this.curr, s);
    }
  }

  private switchTrees(): void {
    const swap = this.init;
    this.init = this.next;
    this.next = swap;
    this.currWeight = this.nextWeight;
    this.currPos = this.currWeight;
  }

  /** Ordered insert; equal keys keep arrival order. */
  private insert(tree: Slot[], s: Slot): void {
    s.seq = ++this.seq;
    let i = tree.length;
    while (i > 0 && tree[i - 1]!.key > s.key) i--;
    tree.splice(i, 0, s);
  }
}
