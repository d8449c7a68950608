import { isIPv4, isIPv6 } from 'node:net';
import type { BalanceModel, HashTypeModel } from '../config/server-model.js';
import { eligible, type BalanceContext, type BalancedServer, type Balancer } from './balanced-server.js';
import { ConsistentHashRing } from './consistent-hash-ring.js';
import { fullHash, hashKey } from './hash-functions.js';
import { requestHash } from './hash-key.js';

/** HAProxy's default string hash for map-based hashing (sdbm). */
export function sdbmHash(text: string): number {
  return hashKey('sdbm', text);
}

/** Source hash input: XOR of the address's 32-bit words, as HAProxy computes it. */
export function addressHash(addr: string): number {
  const a = addr.startsWith('::ffff:') && isIPv4(addr.slice(7)) ? addr.slice(7) : addr;
  if (isIPv4(a)) return a.split('.').reduce((h, p) => ((h << 8) | Number(p)) >>> 0, 0);
  if (isIPv6(a)) {
    const [head, tail] = a.split('::') as [string, string?];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    let x = 0;
    for (let i = 0; i < 8; i += 2) x = (x ^ (((parseInt(groups[i] || '0', 16) << 16) | parseInt(groups[i + 1] || '0', 16)) >>> 0)) >>> 0;
    return x;
  }
  return sdbmHash(a);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export interface HashBalancerOptions {
  hashType?: HashTypeModel;
  allBackups?: boolean;
  /** Server ids (HAProxy's numbering, 1, 2, … unless `id` is set), parallel to the server list. */
  ids?: readonly number[];
}

/**
 * Hash-based balancing (`source`, `uri`, `url_param`, `hdr()`, `hash`).
 * Map-based (HAProxy's default `hash-type`): servers are laid out in a table
 * where each appears as often as its weight, interleaved in declaration
 * order, and the hash modulo the table size picks the slot. Consistent: the
 * ring of consistent-hash-ring.ts. Both are rebuilt when the set of usable
 * servers changes. A request without the hashed item goes round robin, over
 * the table or around the ring, as in HAProxy.
 */
export class HashBalancer implements Balancer {
  private table: BalancedServer[] = [];
  private ring: ConsistentHashRing | null = null;
  private key = '';
  private rrIndex = 0;
  private ringLast = -1;
  private readonly model: BalanceModel;
  private readonly consistent: boolean;

  constructor(
    private readonly servers: readonly BalancedServer[],
    input: 'source' | 'uri' | BalanceModel,
    private readonly opts: HashBalancerOptions = {},
  ) {
    this.model = typeof input === 'string' ? { algo: input } : input;
    this.consistent = opts.hashType?.type === 'consistent';
  }

  pick(ctx: BalanceContext, avoid?: BalancedServer): BalancedServer | null {
    const list = eligible(this.servers, this.opts.allBackups);
    if (list.length === 0) return null;
    this.rebuild(list);
    const hash = list.length === 1 ? 0 : this.hashOf(ctx);
    let s: BalancedServer | null;
    if (hash === null) s = this.consistent ? this.ringNext(avoid) : this.tableNext(avoid);
    else if (this.consistent) s = this.ring!.serverFor(hash, avoid);
    else s = this.table[hash % this.table.length] ?? null;
    if (!s) return null;
    if (s === avoid || !s.hasSlot()) {
      // Redispatch or a full server: fall back to the next usable one.
      const other = list.find((x) => x !== avoid && x.hasSlot());
      return other ?? (s.hasSlot() ? s : null);
    }
    return s;
  }

  private hashOf(ctx: BalanceContext): number | null {
    const fn = this.opts.hashType?.fn ?? 'sdbm';
    const h = this.model.algo === 'source' ? addressHash(ctx.srcAddr) : requestHash(this.model, fn, ctx);
    if (h === null) return null;
    return this.opts.hashType?.avalanche ? fullHash(h) : h;
  }

  /** Round robin over the map table, for requests without a hash input. */
  private tableNext(avoid?: BalancedServer): BalancedServer | null {
    const n = this.table.length;
    if (this.rrIndex >= n) this.rrIndex = 0;
    let avoided: BalancedServer | null = null;
    for (let k = 0; k < n; k++) {
      const s = this.table[this.rrIndex]!;
      this.rrIndex = (this.rrIndex + 1) % n;
      if (!s.hasSlot()) continue;
      if (s !== avoid) return s;
      avoided = s;
    }
    return avoided;
  }

  /** The next point around the ring, for requests without a hash input. */
  private ringNext(avoid?: BalancedServer): BalancedServer | null {
    const nodes = this.ring!.nodes;
    if (nodes.length === 0) return null;
    let avoided: BalancedServer | null = null;
    for (let k = 0; k < nodes.length; k++) {
      this.ringLast = (this.ringLast + 1) % nodes.length;
      const s = nodes[this.ringLast]!.server;
      if (!s.hasSlot()) continue;
      if (s !== avoid) return s;
      avoided = s;
    }
    return avoided;
  }

  private rebuild(list: BalancedServer[]): void {
    const key = list.map((s) => `${s.name}:${s.weight}`).join(',');
    if (key === this.key) return;
    this.key = key;
    if (this.consistent) {
      const ids = this.opts.ids;
      this.ring = new ConsistentHashRing(
        list.map((server) => {
          const i = this.servers.indexOf(server);
          return { server, id: ids?.[i] ?? i + 1 };
        }),
      );
      this.ringLast = -1;
      return;
    }
    const g = list.reduce((acc, s) => gcd(acc, s.weight), 0) || 1;
    const weights = list.map((s) => Math.max(1, Math.round(s.weight / g)));
    const total = weights.reduce((a, b) => a + b, 0);
    const score = weights.map(() => 0);
    const table: BalancedServer[] = [];
    for (let slot = 0; slot < total; slot++) {
      let best = -1;
      let max = 0;
      for (let i = 0; i < list.length; i++) {
        score[i]! += weights[i]!;
        const v = Math.floor((score[i]! + total) / total);
        if (best < 0 || v > max) {
          max = v;
          best = i;
        }
      }
      table.push(list[best]!);
      score[best]! -= total;
    }
    this.table = table;
    this.rrIndex = 0;
  }
}
