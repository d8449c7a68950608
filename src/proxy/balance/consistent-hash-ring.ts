import { fullHash } from './hash-functions.js';
import type { BalancedServer } from './balanced-server.js';

/** HAProxy's user weights run 0-256 and are scaled by 16; a server's ring points are numbered in that range. */
const WEIGHT_SCALE = 16;
const EWEIGHT_RANGE = 256 * WEIGHT_SCALE;

export interface RingNode {
  readonly key: number;
  readonly server: BalancedServer;
}

/**
 * The consistent-hash ring HAProxy builds for `hash-type consistent`: each
 * server owns weight × 16 points, point n of the server with id `id` sits at
 * fullHash(id × 4096 + n). A key goes to the nearer of the two points around
 * it (the one before on a tie), so keys move only when their own server
 * changes.
 */
export class ConsistentHashRing {
  readonly nodes: RingNode[];

  constructor(servers: readonly { server: BalancedServer; id: number }[]) {
    const nodes: RingNode[] = [];
    for (const { server, id } of servers) {
      const count = server.weight * WEIGHT_SCALE;
      for (let n = 0; n < count; n++) nodes.push({ key: fullHash(id * EWEIGHT_RANGE + n), server });
    }
    // A stable sort keeps points with the same key in insertion order, as the tree does.
    nodes.sort((a, b) => a.key - b.key);
    this.nodes = nodes;
  }

  /** Index of the first point at or after `hash`, wrapping to the first point. */
  private ge(hash: number): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nodes[mid]!.key < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.nodes.length ? 0 : lo;
  }

  /** The point a hash goes to, or -1 on an empty ring. */
  lookup(hash: number): number {
    const n = this.nodes.length;
    if (n === 0) return -1;
    const h = hash >>> 0;
    const next = this.ge(h);
    const prev = next === 0 ? n - 1 : next - 1;
    const dp = (h - this.nodes[prev]!.key) >>> 0;
    const dn = (this.nodes[next]!.key - h) >>> 0;
    return dp <= dn ? prev : next;
  }

  /** The server for a hash, skipping `avoid` by walking forward around the ring. */
  serverFor(hash: number, avoid?: BalancedServer): BalancedServer | null {
    let i = this.lookup(hash);
    if (i < 0) return null;
    const n = this.nodes.length;
    for (let steps = 0; steps < n && this.nodes[i]!.server === avoid; steps++) i = (i + 1) % n;
    return this.nodes[i]!.server;
  }
}
