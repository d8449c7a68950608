import type Docker from 'dockerode';
import { LABEL } from '../../engine/labels.js';
import { namesRepository } from './image-reference.js';

/** A container that ended, as the engine's event log remembers it: still there when removed since (`docker run --rm`). */
export interface ContainerDeath {
  id: string;
  name: string;
  image: string;
  exitCode: number;
  /** Unix seconds. */
  time: number;
  /** Whether the engine removed it afterwards (a `destroy` event followed). */
  removed: boolean;
}

/**
 * The containers of one of the repositories that died since a moment, by
 * the engine's events (`die` carries the exit code, `destroy` the removal).
 * `runId` keeps only the containers of one docklab run (their labels ride
 * on the events). The engine keeps only its most recent events in memory.
 */
export async function containerDeaths(
  docker: Docker,
  repositories: readonly string[],
  since: number,
  options: { runId?: string; until?: number } = {},
): Promise<ContainerDeath[]> {
  const until = options.until ?? Math.ceil(Date.now() / 1000) + 1;
  const stream = (await docker.getEvents({
    since,
    until,
    filters: { type: ['container'], event: ['die', 'destroy'] },
  } as never)) as unknown as NodeJS.ReadableStream;
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
  const events = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { Action?: string; time?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } });
  const destroyed = new Set(events.filter((e) => e.Action === 'destroy').map((e) => e.Actor?.ID));
  return events
    .filter((e) => e.Action === 'die')
    .filter((e) => namesRepository(e.Actor?.Attributes?.image ?? '', repositories))
    .filter((e) => !options.runId || e.Actor?.Attributes?.[LABEL.run] === options.runId)
    .map((e) => ({
      id: e.Actor?.ID ?? '',
      name: e.Actor?.Attributes?.name ?? '',
      image: e.Actor?.Attributes?.image ?? '',
      exitCode: Number(e.Actor?.Attributes?.exitCode ?? -1),
      time: e.time ?? 0,
      removed: destroyed.has(e.Actor?.ID),
    }));
}
