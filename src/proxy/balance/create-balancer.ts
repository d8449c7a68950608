import type { BalanceAlgo } from '../config/model.js';
import type { BalancedServer, Balancer } from './balanced-server.js';
import { FirstBalancer } from './first-balancer.js';
import { HashBalancer } from './hash-balancer.js';
import { LeastConnBalancer } from './least-conn-balancer.js';
import { RandomBalancer } from './random-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

export function createBalancer(algo: BalanceAlgo, servers: readonly BalancedServer[]): Balancer {
  switch (algo) {
    case 'roundrobin': case 'static-rr': return new RoundRobinBalancer(servers);
    case 'leastconn': return new LeastConnBalancer(servers);
    case 'first': return new FirstBalancer(servers);
    case 'random': return new RandomBalancer(servers);
    case 'source': return new HashBalancer(servers, 'source');
    case 'uri': return new HashBalancer(servers, 'uri');
  }
}
