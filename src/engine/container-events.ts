import type Docker from 'dockerode';

/** One engine event about a container, as `docker events` shows it. */
export interface ContainerEvent {
  /** "create", "start", "exec_start: ls -l", "exec_die", "die", … */
  action: string;
  attributes: Record<string, string>;
  /** Seconds since the epoch. */
  time: number;
}

/**
 * The events the engine still remembers about one container between two
 * times (seconds since the epoch). The engine keeps only its most recent
 * events in memory, so old ones may be gone: callers say so in their hints.
 */
export async function containerEvents(docker: Docker, containerId: string, since: number, until = Math.ceil(Date.now() / 1000) + 1): Promise<ContainerEvent[]> {
  const stream = (await docker.getEvents({
    since,
    until,
    filters: { type: ['container'], container: [containerId] },
  } as never)) as unknown as NodeJS.ReadableStream;
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> }; time?: number })
    .map((e) => ({ action: e.Action ?? e.status ?? '', attributes: e.Actor?.Attributes ?? {}, time: e.time ?? 0 }));
}

/** The exec runs in a container's remembered events: command, start time and, once ended, exit code. */
export interface ExecRun {
  execId: string;
  command: string;
  startedAt: number;
  exitCode?: number;
}

export function execRuns(events: ContainerEvent[]): ExecRun[] {
  const runs = new Map<string, ExecRun>();
  for (const event of events) {
    const id = event.attributes.execID;
    if (!id) continue;
    if (event.action.startsWith('exec_start')) {
      runs.set(id, { execId: id, command: event.action.replace(/^exec_start:\s*/, ''), startedAt: event.time });
    } else if (event.action.startsWith('exec_die')) {
      const run = runs.get(id);
      if (run && event.attributes.exitCode !== undefined) run.exitCode = Number(event.attributes.exitCode);
    }
  }
  return [...runs.values()];
}
