import type { ServerModel } from '../config/model.js';
import type { BalancedServer } from '../balance/balanced-server.js';
import { UpstreamPool } from '../http/upstream-pool.js';
import { TrafficCounters } from './traffic-counters.js';

export { TrafficCounters } from './traffic-counters.js';

let loadChanges = 0;

export type ServerState = 'UP' | 'DOWN' | 'MAINT';

/** One backend server at runtime: address, health state, load and its connection pool. */
export class Server implements BalancedServer {
  readonly name: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly maxconn: number;
  /** Persistence cookie value: `cookie V`, or derived from the address under `cookie … dynamic`. */
  cookie: string | undefined;
  readonly pool: UpstreamPool;
  readonly counters = new TrafficCounters();
  state: ServerState;
  /** Set from the stats page's admin form: up, but no new load-balanced traffic (persistence still honoured). */
  adminDrain = false;
  /** Set from the stats page's admin form: out of rotation, persistence ignored, checks paused. */
  adminMaint = false;
  /** Health checks turned off from the stats page (`dhlth`): the server keeps its last state. */
  adminChecksOff = false;
  /** `http-check disable-on-404`: the check answered 404, so no new load-balanced traffic (persistence still honoured). */
  checkNolb = false;
  active = 0;
  /** When `active` last changed (a process-wide sequence): leastconn serves equal loads in that order. */
  loadSeq = 0;
  lastChange = Date.now();
  checkStatus = '';
  checkFailures = 0;
  downTransitions = 0;

  constructor(
    readonly model: ServerModel,
    readonly address: string,
    readonly backendName: string,
  ) {
    this.name = model.name;
    this.weight = model.options.weight ?? 1;
    this.backup = model.options.backup ?? false;
    this.maxconn = model.options.maxconn ?? 0;
    this.cookie = model.options.cookie;
    this.state = model.options.disabled ? 'MAINT' : 'UP';
    this.pool = new UpstreamPool(address, model.port);
    this.pool.proxyHeader = model.options.sendProxy;
  }

  usable(): boolean {
    return this.state === 'UP' && this.weight > 0 && !this.adminDrain && !this.adminMaint && !this.checkNolb;
  }
  /** May take a request pinned to it (cookie, stick match): up, possibly drained or weight 0, not in maintenance, below maxconn. */
  persistable(): boolean {
    return this.state === 'UP' && !this.adminMaint && (this.maxconn === 0 || this.active < this.maxconn);
  }
  hasSlot(): boolean {
    return this.usable() && (this.maxconn === 0 || this.active < this.maxconn);
  }

  setState(state: ServerState): void {
    if (state === this.state) return;
    if (state === 'DOWN') this.downTransitions++;
    this.state = state;
    this.lastChange = Date.now();
  }

  begin(): void {
    this.active++;
    this.loadSeq = ++loadChanges;
    this.counters.total++;
    if (this.active > this.counters.max) this.counters.max = this.active;
  }

  end(): void {
    this.active--;
    this.loadSeq = ++loadChanges;
  }
}
