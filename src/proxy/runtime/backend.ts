import type { CookieModel, ForwardForModel, ProxySection, TimeoutName } from '../config/model.js';
import type { Balancer } from '../balance/balanced-server.js';
import type { CompiledRule } from './compiled-rule.js';
import type { HealthChecker } from '../health/health-checker.js';
import { TrafficCounters, type Server } from './server.js';

/** A request waiting for a server slot (all servers at maxconn). */
export interface QueuedRequest {
  wake: () => void;
  timer: NodeJS.Timeout;
}

/** What a backend is made of, as the router compiles it from its section. */
export interface BackendOptions {
  readonly name: string;
  readonly model: ProxySection;
  readonly servers: readonly Server[];
  readonly balancer: Balancer;
  readonly requestRules: readonly CompiledRule[];
  readonly responseRules: readonly CompiledRule[];
  readonly statsUri: string | undefined;
  readonly timeouts: Partial<Record<TimeoutName, number>>;
  readonly forwardfor: ForwardForModel | undefined;
  readonly cookie: CookieModel | undefined;
  readonly retries: number;
  readonly redispatch: number | undefined;
  readonly checkers: readonly HealthChecker[];
}

/** A backend (or the back half of a listen section) at runtime. */
export class Backend {
  readonly counters = new TrafficCounters();
  readonly queue: QueuedRequest[] = [];
  /** Queued requests taken out to be served so far: queue positions in logs are differences of it. */
  dequeued = 0;
  active = 0;
  readonly name: string;
  readonly model: ProxySection;
  readonly servers: readonly Server[];
  readonly balancer: Balancer;
  readonly requestRules: readonly CompiledRule[];
  readonly responseRules: readonly CompiledRule[];
  readonly statsUri: string | undefined;
  readonly timeouts: Partial<Record<TimeoutName, number>>;
  readonly forwardfor: ForwardForModel | undefined;
  readonly cookie: CookieModel | undefined;
  readonly retries: number;
  readonly redispatch: number | undefined;
  readonly checkers: readonly HealthChecker[];

  constructor(o: BackendOptions) {
    this.name = o.name;
    this.model = o.model;
    this.servers = o.servers;
    this.balancer = o.balancer;
    this.requestRules = o.requestRules;
    this.responseRules = o.responseRules;
    this.statsUri = o.statsUri;
    this.timeouts = o.timeouts;
    this.forwardfor = o.forwardfor;
    this.cookie = o.cookie;
    this.retries = o.retries;
    this.redispatch = o.redispatch;
    this.checkers = o.checkers;
  }

  /** True when the listen section's front half already ran these rules. */
  isSameProxyAs(frontendModel: ProxySection): boolean {
    return frontendModel === this.model;
  }

  anyUsable(): boolean {
    return this.servers.some((s) => s.usable());
  }

  /** nbsrv: usable active servers, or the usable backups when no active one is left. */
  usableServers(): number {
    const active = this.servers.filter((s) => !s.backup && s.usable()).length;
    return active > 0 ? active : this.servers.filter((s) => s.backup && s.usable()).length;
  }

  serverByCookie(value: string): Server | undefined {
    return this.servers.find((s) => s.cookie === value);
  }

  /** Wakes the oldest queued request when a slot frees up. */
  slotFreed(): void {
    const next = this.queue.shift();
    if (next) {
      this.dequeued++;
      clearTimeout(next.timer);
      next.wake();
    }
  }
}
