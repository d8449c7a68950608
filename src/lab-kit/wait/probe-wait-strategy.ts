import type { CheckContext } from '../check-context.js';
import type { Attempt } from './wait-loop.js';
import { WaitStrategy, type WaitTarget } from './wait-strategy.js';

/** A wait on evidence of a lab's own: `attempt` returns it, or what was seen instead. */
export class ProbeWaitStrategy<T> extends WaitStrategy<T> {
  constructor(
    readonly expected: string,
    readonly probe: (ctx: CheckContext, target: WaitTarget) => ReturnType<Attempt<T>>,
  ) {
    super();
  }

  describe(): string {
    return this.expected;
  }

  protected attempt(ctx: CheckContext, target: WaitTarget): Attempt<T> {
    return () => this.probe(ctx, target);
  }
}
