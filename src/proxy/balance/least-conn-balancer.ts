import { eligible, type BalancedServer, type Balancer } from './balanced-server.js';

/** HAProxy's scale for effective weights (weight 1 = 16) and its largest one. */
const WEIGHT_SCALE = 16;
const EWEIGHT_MAX = 256 * WEIGHT_SCALE;

/**
 * Fewest in-flight connections per unit of weight, as HAProxy's leastconn
 * tree orders them: an idle server has key 0 whatever its weight, a busy one
 * (n+1)·max/eweight; among equal keys the server whose load changed longest
 * ago comes first (a server that just took or finished a connection goes to
 * the back), and servers never used come in declaration order.
 */
export class LeastConnBalancer implements Balancer {
  constructor(
    private readonly servers: readonly BalancedServer[],
    private readonly allBackups = false,
  ) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    let best: BalancedServer | null = null;
    let bestKey = 0;
    let avoided: BalancedServer | null = null;
    for (const s of eligible(this.servers, this.allBackups)) {
      if (!s.hasSlot()) continue;
      const key = s.active === 0 ? 0 : Math.floor(((s.active + 1) * EWEIGHT_MAX) / (s.weight * WEIGHT_SCALE));
      if (s === avoid) {
        avoided = s;
        continue;
      }
      if (!best || key < bestKey || (key === bestKey && (s.loadSeq ?? 0) < (best.loadSeq ?? 0))) {
        best = s;
        bestKey = key;
      }
    }
    return best ?? avoided;
  }
}
