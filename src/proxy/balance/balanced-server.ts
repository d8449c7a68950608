import type { SampleSource } from '../acl/sample-source.js';

/** What a balancer needs to know about a server; the runtime Server implements it. */
export interface BalancedServer {
  readonly name: string;
  readonly weight: number;
  readonly backup: boolean;
  /** In-flight requests on this server. */
  readonly active: number;
  /** Increases each time `active` changes (absent: never changed). */
  readonly loadSeq?: number;
  /** Up, not disabled, weight > 0. */
  usable(): boolean;
  /** Usable and below its maxconn. */
  hasSlot(): boolean;
}

export interface BalanceContext {
  srcAddr: string;
  uri: string;
  /** Request headers (after rules), for `balance hdr()`. */
  headers?: [string, string][];
  /** The request as sample fetches see it, for `balance hash EXPR`. */
  src?: SampleSource;
}

/** Picks a server among the usable ones; null when none has a free slot. */
export interface Balancer {
  pick(ctx: BalanceContext, avoid?: BalancedServer): BalancedServer | null;
}

/**
 * The servers a balancer may choose from: active ones, or backups when no
 * active server is usable (only the first backup unless `option allbackups`).
 */
export function eligible<S extends BalancedServer>(servers: readonly S[], allBackups = false): S[] {
  const active = servers.filter((s) => !s.backup && s.usable());
  if (active.length > 0) return active;
  if (allBackups) return servers.filter((s) => s.backup && s.usable());
  const backup = servers.find((s) => s.backup && s.usable());
  return backup ? [backup] : [];
}

/** Prefers servers other than `avoid` (redispatch), but falls back to it. */
export function withoutAvoided<S extends BalancedServer>(list: S[], avoid?: BalancedServer): S[] {
  if (!avoid || list.length < 2) return list;
  const others = list.filter((s) => s !== avoid);
  return others.length > 0 ? others : list;
}
