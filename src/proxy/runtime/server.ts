import type { ServerModel } from '../config/model.js';
import type { BalancedServer } from '../balance/balanced-server.js';
import { UpstreamPool } from '../http/upstream-pool.js';
import { TrafficCounters } from './traffic-counters.js';

export { TrafficCounters } from './traffic-counters.js';

export type ServerState = 'UP' | 'DOWN' | 'MAINT';

/** One backend server at runtime: address, health state, load and its connection pool. */
export class Server implements BalancedServer {
  readonly name: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly maxconn: number;
  readonly cookie: string | undefined;
  readonly pool: UpstreamPool;
  readonly counters = new TrafficCounters();
  state: ServerState;
  active = 0;
  lastChange = Date.now();
  checkStatus = '';
  checkFailures = 0;
  downTransitions = 0;

  constructor(readonly model: ServerModel, readonly address: string, readonly backendName: string) {
    this.name = model.name;
    this.weight = model.options.weight ?? 1;
    this.backup = model.options.backup ?? false;
    this.maxconn = model.options.maxconn ?? 0;
    this.cookie = model.options.cookie;
    this.state = model.options.disabled ? 'MAINT' : 'UP';
    this.pool = new UpstreamPool(address, model.port);
  }

  usable(): boolean { return this.state === 'UP' && this.weight > 0; }
  hasSlot(): boolean { return this.usable() && (this.maxconn === 0 || this.active < this.maxconn); }

  setState(state: ServerState): void {
    if (state === this.state) return;
    if (state === 'DOWN') this.downTransitions++;
    this.state = state;
    this.lastChange = Date.now();
  }

  begin(): void {
    this.active++;
    this.counters.total++;
    if (this.active > this.counters.max) this.counters.max = this.active;
  }

  end(): void { this.active--; }
}
