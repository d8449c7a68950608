/**
 * A rate over a sliding period, computed the way HAProxy's period frequency
 * counters do: events are counted in the current period, the previous
 * period's count is kept, and a read weighs the previous count by the share
 * of it that still overlaps the sliding window ending now. Periods start at
 * the first event (ticks are kept even, as HAProxy keeps them), and a gap of
 * two periods or more forgets everything.
 */
export class FreqCounter {
  tick = 0;
  curr = 0;
  prev = 0;

  /** Adds `inc` events at `now` (ms). */
  add(now: number, period: number, inc: number): void {
    if (now - this.tick < period) {
      this.curr += inc;
      return;
    }
    this.prev = this.curr;
    this.curr = inc;
    let tick = this.tick + period;
    if (now - tick >= period) {
      this.prev = 0;
      tick = now;
    }
    // Clearing the low bit as HAProxy does (its lock bit); ms values exceed 32 bits here.
    this.tick = tick - (tick % 2);
  }

  /** Events per period as seen at `now`, rounded down. */
  read(now: number, period: number): number {
    let remain = this.tick + period - now;
    let curr = this.curr;
    let past = this.prev;
    if (remain < 0) {
      remain += period;
      past = remain >= 0 ? curr : 0;
      curr = 0;
    }
    return Math.floor((past * remain + curr * period) / period);
  }

  /** Raw state, for copying an entry between processes. */
  toJSON(): [number, number, number] {
    return [this.tick, this.curr, this.prev];
  }

  static from(raw: readonly [number, number, number]): FreqCounter {
    const f = new FreqCounter();
    [f.tick, f.curr, f.prev] = raw;
    return f;
  }
}
