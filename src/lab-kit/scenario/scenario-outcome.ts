/**
 * What a scenario made, by the names it gave: checks of a `run` read it
 * (the registry the reference started, the port a container was published
 * on) through `ctx.scenario`. Undefined in a state verify: the learner made
 * the state.
 */
export class ScenarioOutcome {
  readonly containers = new Map<string, string>();
  readonly images = new Map<string, string>();
  readonly networks = new Map<string, string>();
  readonly volumes = new Map<string, string>();
  /** `name:containerPort` → host port. */
  readonly hostPorts = new Map<string, number>();
  /** `image:tag` → digest, for pushes. */
  readonly pushed = new Map<string, string>();

  containerId(name: string): string | undefined {
    return this.containers.get(name);
  }

  hostPort(container: string, containerPort: number | string): number | undefined {
    return this.hostPorts.get(`${container}:${containerPort}`);
  }
}
