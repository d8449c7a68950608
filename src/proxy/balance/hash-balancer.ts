import { isIPv4, isIPv6 } from 'node:net';
import { eligible, type BalanceContext, type BalancedServer, type Balancer } from './balanced-server.js';

/** HAProxy's default string hash for map-based hashing (sdbm). */
export function sdbmHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) {
    h = (text.charCodeAt(i) + (h << 6) + (h << 16) - h) >>> 0;
  }
  return h;
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

function gcd(a: number, b: number): number { while (b) [a, b] = [b, a % b]; return a; }

/**
 * Map-based hashing (HAProxy's default hash-type): servers are laid out in a
 * table where each appears as often as its weight, interleaved in declaration
 * order, and the hash modulo the table size picks the slot. The table is
 * rebuilt when the set of usable servers changes.
 */
export class HashBalancer implements Balancer {
  private table: BalancedServer[] = [];
  private key = '';

  constructor(private readonly servers: readonly BalancedServer[], private readonly input: 'source' | 'uri') {}

  pick(ctx: BalanceContext, avoid?: BalancedServer): BalancedServer | null {
    const list = eligible(this.servers);
    if (list.length === 0) return null;
    this.rebuild(list);
    let s: BalancedServer | undefined;
    if (list.length === 1) s = this.table[0];
    else {
      const h = this.input === 'source' ? addressHash(ctx.srcAddr) : sdbmHash(uriKey(ctx.uri));
      s = this.table[h % this.table.length];
    }
    if (!s) return null;
    if (s === avoid || !s.hasSlot()) {
      // Redispatch or a full server: fall back to the next usable slot.
      const other = list.find((x) => x !== avoid && x.hasSlot());
      return other ?? (s.hasSlot() ? s : null);
    }
    return s;
  }

  private rebuild(list: BalancedServer[]): void {
    const key = list.map((s) => `${s.name}:${s.weight}`).join(',');
    if (key === this.key) return;
    this.key = key;
    const g = list.reduce((acc, s) => gcd(acc, s.weight), 0) || 1;
    const weights = list.map((s) => Math.max(1, Math.round(s.weight / g)));
    const total = weights.reduce((a, b) => a + b, 0);
    const score = weights.map(() => 0);
    const table: BalancedServer[] = [];
    for (let slot = 0; slot < total; slot++) {
      let best = -1; let max = 0;
      for (let i = 0; i < list.length; i++) {
        score[i]! += weights[i]!;
        const v = Math.floor((score[i]! + total) / total);
        if (best < 0 || v > max) { max = v; best = i; }
      }
      table.push(list[best]!);
      score[best]! -= total;
    }
    this.table = table;
  }
}

/** HAProxy hashes the URI up to the query string. */
function uriKey(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}
