import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigParser } from '../config/config-parser.js';
import type { ConfigModel } from '../config/model.js';
import { StickTable } from './stick-table.js';
import { applyStickRequest, type StickBatch, type StickReplies, type StickReply } from './stick-wire.js';

/**
 * The primary process's side of shared stick tables: it holds every table
 * of the configuration and runs the workers' operations one at a time, in
 * arrival order, so that counters and limits are those of one proxy.
 */
export class StickHost {
  private tables = new Map<string, StickTable>();

  /** (Re)builds the tables of a configuration; a reload starts them empty, as a restarted HAProxy without peers does. */
  load(config: ConfigModel): void {
    const next = new Map<string, StickTable>();
    for (const s of new Set([...config.frontends, ...config.backends])) if (s.stickTable) next.set(s.name, new StickTable(s.stickTable));
    this.tables = next;
  }

  get size(): number {
    return this.tables.size;
  }

  /** A table by name (stats and tests read it). */
  table(name: string): StickTable | undefined {
    return this.tables.get(name);
  }

  /** Handles a worker's message (a batch of operations, answered in one message); false when it is not for the tables. */
  handle(m: unknown, reply: (r: StickReplies) => void): boolean {
    const batch = m as StickBatch | null;
    if (!batch || typeof batch !== 'object' || batch.stick !== 1 || !Array.isArray(batch.ops)) return false;
    const replies: StickReply[] = [];
    for (const req of batch.ops) {
      const t = this.tables.get(req.table);
      const value = t ? applyStickRequest(t, req) : null;
      if (req.id !== undefined) replies.push({ id: req.id, value: value ?? null });
    }
    if (replies.length > 0) reply({ stick: 1, replies });
    return true;
  }
}

/** Reads the tables a configuration file declares (the primary compiles nothing else); undefined when the file is refused. */
export function readStickConfig(path: string): ConfigModel | undefined {
  try {
    return ConfigParser.parseText(readFileSync(path, 'utf8'), basename(path), { dir: dirname(resolve(path)) });
  } catch {
    return undefined;
  }
}
