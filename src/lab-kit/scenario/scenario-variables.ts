import type Docker from 'dockerode';
import { freePort } from '../../checks/syslog-receiver.js';

/** The variables docklab fills in a scenario, and what each holds. */
export const SCENARIO_VARIABLES: Record<string, string> = {
  RUN_ID: "this run's id (names and labels carry it)",
  FREE_PORT: 'a free TCP port on 127.0.0.1',
  FREE_UDP_PORT: 'a free UDP port on 127.0.0.1',
  MACHINE_CPUS: "the engine's number of CPUs",
  MACHINE_NANOCPUS: "the engine's CPUs in billionths (as --cpus sets NanoCpus)",
  MACHINE_MEMORY: "the engine's memory in bytes",
  TWICE_MACHINE_MEMORY: "twice the engine's memory in bytes",
};

/** The names a scenario's text uses, so that only those are worked out. */
export function variablesUsed(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]!));
}

/** Fills the docklab variables the text uses: free ports are found, the machine is asked only when needed. */
export async function fillScenarioVariables(docker: Docker, used: Set<string>): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  if (used.has('FREE_PORT')) values.FREE_PORT = String(await freePort('tcp'));
  if (used.has('FREE_UDP_PORT')) values.FREE_UDP_PORT = String(await freePort('udp'));
  if (['MACHINE_CPUS', 'MACHINE_NANOCPUS', 'MACHINE_MEMORY', 'TWICE_MACHINE_MEMORY'].some((n) => used.has(n))) {
    const machine = (await docker.info()) as { NCPU: number; MemTotal: number };
    values.MACHINE_CPUS = String(machine.NCPU);
    values.MACHINE_NANOCPUS = String(machine.NCPU * 1e9);
    values.MACHINE_MEMORY = String(machine.MemTotal);
    values.TWICE_MACHINE_MEMORY = String(machine.MemTotal * 2);
  }
  return values;
}
