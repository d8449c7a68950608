import { eligible, withoutAvoided, type BalancedServer, type Balancer } from './balanced-server.js';

/** The first server in declaration order that still has a free connection slot. */
export class FirstBalancer implements Balancer {
  constructor(
    private readonly servers: readonly BalancedServer[],
    private readonly allBackups = false,
  ) {}

  pick(_ctx: unknown, avoid?: BalancedServer): BalancedServer | null {
    return (
      withoutAvoided(
        eligible(this.servers, this.allBackups).filter((s) => s.hasSlot()),
        avoid,
      )[0] ?? null
    );
  }
}
