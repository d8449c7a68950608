import { eligible, withoutAvoided, type BalancedServer, type Balancer } from './balanced-server.js';

/** Fewest in-flight requests per unit of weight; ties rotate so idle servers share the load. */
export class LeastConnBalancer implements Balancer {
  private turn = 0;

  constructor(private readonly servers: readonly BalancedServer[]) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    const list = withoutAvoided(eligible(this.servers).filter((s) => s.hasSlot()), avoid);
    if (list.length === 0) return null;
    let bestLoad = Infinity;
    let ties: BalancedServer[] = [];
    for (const s of list) {
      const load = (s.active + 1) / s.weight;
      if (load < bestLoad) { bestLoad = load; ties = [s]; }
      else if (load === bestLoad) ties.push(s);
    }
    return ties[this.turn++ % ties.length]!;
  }
}
