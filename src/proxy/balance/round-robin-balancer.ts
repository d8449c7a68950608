import { eligible, withoutAvoided, type BalancedServer, type Balancer } from './balanced-server.js';

/**
 * Weighted round robin, smooth variant: each pick adds every candidate's
 * weight to its credit and takes the richest, so weights 3:1 give a a b a
 * rather than a a a b. With equal weights it walks servers in declaration order.
 */
export class RoundRobinBalancer implements Balancer {
  private readonly credit = new Map<BalancedServer, number>();

  constructor(private readonly servers: readonly BalancedServer[]) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    const list = withoutAvoided(eligible(this.servers).filter((s) => s.hasSlot()), avoid);
    if (list.length === 0) return null;
    let total = 0;
    let best: BalancedServer | null = null;
    let bestCredit = -Infinity;
    for (const s of list) {
      const c = (this.credit.get(s) ?? 0) + s.weight;
      this.credit.set(s, c);
      total += s.weight;
      if (c > bestCredit) { bestCredit = c; best = s; }
    }
    this.credit.set(best!, bestCredit - total);
    return best;
  }
}
