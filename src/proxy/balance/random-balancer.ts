import { eligible, withoutAvoided, type BalancedServer, type Balancer } from './balanced-server.js';

/** Weighted random, two draws, the less loaded wins (power of two choices). */
export class RandomBalancer implements Balancer {
  constructor(
    private readonly servers: readonly BalancedServer[],
    private readonly random: () => number = Math.random,
    private readonly allBackups = false,
  ) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    const list = withoutAvoided(
      eligible(this.servers, this.allBackups).filter((s) => s.hasSlot()),
      avoid,
    );
    if (list.length === 0) return null;
    const a = this.draw(list);
    const b = this.draw(list);
    return b.active < a.active ? b : a;
  }

  private draw(list: BalancedServer[]): BalancedServer {
    const total = list.reduce((n, s) => n + s.weight, 0);
    let r = this.random() * total;
    for (const s of list) {
      r -= s.weight;
      if (r < 0) return s;
    }
    return list[list.length - 1]!;
  }
}
