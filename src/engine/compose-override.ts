import type { ComposeFile, ComposeService } from './compose-file-types.js';

/**
 * Lays the learner's override file (compose.override.yml and alike) over what
 * docklab read of the main file, so that checks judge the services Compose
 * will run. Compose's own merge, kept to what checks read: a new service is
 * added; in a service both files name, lists (ports, volumes, …) are joined
 * without repeats, mappings (environment, labels, build, …) are merged key by
 * key, anything else is replaced. Top-level networks and volumes are joined.
 */
export function mergeOverride(file: ComposeFile, override: Record<string, unknown>): void {
  const services = isRecord(override.services) ? override.services : {};
  for (const [name, over] of Object.entries(services)) {
    if (!isRecord(over)) continue;
    const base = file.services[name];
    file.services[name] = base ? (mergeService(base as Record<string, unknown>, over) as ComposeService) : (over as ComposeService);
  }
  for (const [section, list] of [
    ['networks', file.networks],
    ['volumes', file.volumes],
  ] as const) {
    const declared = override[section];
    if (!isRecord(declared)) continue;
    for (const [key, value] of Object.entries(declared)) {
      if (!(isRecord(value) && value.external) && !list.includes(key)) list.push(key);
    }
  }
}

function mergeService(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = base[key];
    if (Array.isArray(before) && Array.isArray(value)) {
      const seen = new Set(before.map((v) => JSON.stringify(v)));
      merged[key] = [...before, ...value.filter((v) => !seen.has(JSON.stringify(v)))];
    } else if (isRecord(before) && isRecord(value)) merged[key] = { ...before, ...value };
    else merged[key] = value;
  }
  return merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
