import { eligible, type BalancedServer, type Balancer } from './balanced-server.js';

/**
 * `balance static-rr`: HAProxy's map-based round robin. The schedule is a
 * table with one slot per unit of weight, filled slot by slot with the
 * server whose accumulated score is highest (first declared wins ties), so
 * weights 2:1:1 give s1 s1 s2 s3. A cursor walks the table; full servers
 * are skipped. The table is rebuilt when the set of usable servers changes,
 * the cursor stays where it was.
 */
export class StaticRrBalancer implements Balancer {
  private map: BalancedServer[] = [];
  private setKey = '';
  private index = 0;

  constructor(
    private readonly servers: readonly BalancedServer[],
    private readonly allBackups = false,
  ) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    const list = eligible(this.servers, this.allBackups);
    if (list.length === 0) return null;
    const key = list.map((s) => `${s.name}:${s.weight}`).join(',');
    if (key !== this.setKey) {
      this.setKey = key;
      this.map = buildMap(list);
    }
    const total = this.map.length;
    if (this.index >= total) this.index = 0;
    const start = this.index;
    let at = start;
    let avoided: { server: BalancedServer; next: number } | undefined;
    do {
      const s = this.map[at++]!;
      if (s.hasSlot()) {
        avoided = { server: s, next: at };
        if (s !== avoid) {
          this.index = at;
          return s;
        }
      }
      if (at === total) at = 0;
    } while (at !== start);
    if (!avoided) return null;
    this.index = avoided.next;
    return avoided.server;
  }
}

function buildMap(list: readonly BalancedServer[]): BalancedServer[] {
  const total = list.reduce((t, s) => t + s.weight, 0);
  if (list.length === 1 || total === 1) return Array.from({ length: Math.max(total, 1) }, () => list[0]!);
  const score = new Map<BalancedServer, number>(list.map((s) => [s, 0]));
  const map: BalancedServer[] = [];
  for (let slot = 0; slot < total; slot++) {
    let best: BalancedServer | undefined;
    let max = 0;
    for (const s of list) {
      const w = score.get(s)! + s.weight;
      score.set(s, w);
      const v = Math.floor((w + total) / total);
      if (!best || v > max) {
        max = v;
        best = s;
      }
    }
    map.push(best!);
    score.set(best!, score.get(best!)! - total);
  }
  return map;
}
