import type Docker from 'dockerode';
import { statSync } from 'node:fs';
import { runFolder } from '../../engine/run-folder.js';

/** One prune the engine remembers: `docker system prune` makes one per kind (container, network, image, builder). */
export interface PruneEvent {
  /** container, image, network, volume or builder. */
  kind: string;
  /** Unix seconds. */
  time: number;
  /** Bytes reclaimed, as the engine reports it. */
  reclaimed?: number;
}

/**
 * The prunes the engine's event log holds since a moment: whether a prune
 * ran at all, which a clean engine cannot tell otherwise (an engine with
 * nothing to prune looks the same before and after). The engine keeps only
 * its most recent events in memory, so a prune long ago may be forgotten.
 */
export async function pruneEvents(docker: Docker, since: number, until = Math.ceil(Date.now() / 1000) + 1): Promise<PruneEvent[]> {
  const stream = (await docker.getEvents({ since, until, filters: { event: ['prune'] } } as never)) as unknown as NodeJS.ReadableStream;
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { Type?: string; Action?: string; time?: number; Actor?: { Attributes?: Record<string, string> } })
    .filter((e) => e.Action === 'prune')
    .map((e) => ({
      kind: e.Type ?? '',
      time: e.time ?? 0,
      reclaimed: e.Actor?.Attributes?.reclaimed === undefined ? undefined : Number(e.Actor.Attributes.reclaimed),
    }));
}

/** When this run began (its folder was made then), in Unix seconds; undefined when it has no folder. */
export function runStartedAt(runId: string): number | undefined {
  try {
    const stat = statSync(runFolder(runId));
    return Math.floor((stat.birthtimeMs || stat.ctimeMs) / 1000);
  } catch {
    return undefined;
  }
}
