/** What a balancer needs to know about a server; the runtime Server implements it. */
export interface BalancedServer {
  readonly name: string;
  readonly weight: number;
  readonly backup: boolean;
  /** In-flight requests on this server. */
  readonly active: number;
  /** Up, not disabled, weight > 0. */
  usable(): boolean;
  /** Usable and below its maxconn. */
  hasSlot(): boolean;
}

export interface BalanceContext { srcAddr: string; uri: string }

/** Picks a server among the usable ones; null when none has a free slot. */
export interface Balancer {
  pick(ctx: BalanceContext, avoid?: BalancedServer): BalancedServer | null;
}

/**
 * The servers a balancer may choose from: active ones, or backups when no
 * active server is usable (HAProxy uses only the first backup unless told
 * otherwise).
 */
export function eligible<S extends BalancedServer>(servers: readonly S[]): S[] {
  const active = servers.filter((s) => !s.backup && s.usable());
  if (active.length > 0) return active;
  const backup = servers.find((s) => s.backup && s.usable());
  return backup ? [backup] : [];
}

/** Prefers servers other than `avoid` (redispatch), but falls back to it. */
export function withoutAvoided<S extends BalancedServer>(list: S[], avoid?: BalancedServer): S[] {
  if (!avoid || list.length < 2) return list;
  const others = list.filter((s) => s !== avoid);
  return others.length > 0 ? others : list;
}
