import type { BalanceModel, HashTypeModel } from '../config/server-model.js';
import type { BalancedServer, Balancer } from './balanced-server.js';
import { FirstBalancer } from './first-balancer.js';
import { HashBalancer } from './hash-balancer.js';
import { LeastConnBalancer } from './least-conn-balancer.js';
import { RandomBalancer } from './random-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { StaticRrBalancer } from './static-rr-balancer.js';

export interface BalancerOptions {
  hashType?: HashTypeModel;
  /** `option allbackups`. */
  allBackups?: boolean;
  /** Server ids in list order (consistent hashing places servers by id). */
  ids?: readonly number[];
}

export function createBalancer(balance: BalanceModel | BalanceModel['algo'], servers: readonly BalancedServer[], opts: BalancerOptions = {}): Balancer {
  const model: BalanceModel = typeof balance === 'string' ? { algo: balance } : balance;
  const all = opts.allBackups ?? false;
  switch (model.algo) {
    case 'roundrobin':
      return new RoundRobinBalancer(servers, all);
    case 'static-rr':
      return new StaticRrBalancer(servers, all);
    case 'leastconn':
      return new LeastConnBalancer(servers, all);
    case 'first':
      return new FirstBalancer(servers, all);
    case 'random':
      return new RandomBalancer(servers, Math.random, all);
    case 'source':
    case 'uri':
    case 'url_param':
    case 'hdr':
    case 'hash':
      return new HashBalancer(servers, model, opts);
  }
}
