import type { CheckResult } from '../checks/check.js';

/**
 * What a grader task hands back through its logs: the outcome of one
 * learner. Log drivers split long lines (json-file at 16 KiB), so the
 * document travels base64-encoded in numbered lines well under that, each
 * marked so that nothing else the task printed is mistaken for it.
 */
export interface GradedLearner {
  /** The run's outcome, when the lab ran to its end. */
  run?: { runId: string; status: 'pass' | 'fail'; results: CheckResult[]; durationMs: number; output: string[] };
  /** Why the learner could not be judged (bad input: a missing file, an unusable Dockerfile), with its code. */
  error?: string;
  /** The node's view: which engine judged this learner. */
  node?: string;
}

const MARK = 'DOCKLAB-RESULT';
const CHUNK = 4_000;

export function encodeResultLines(doc: GradedLearner): string[] {
  const data = Buffer.from(JSON.stringify(doc)).toString('base64');
  const count = Math.max(1, Math.ceil(data.length / CHUNK));
  return Array.from({ length: count }, (_, i) => `${MARK} ${i + 1}/${count} ${data.slice(i * CHUNK, (i + 1) * CHUNK)}`);
}

/** The document in a task's log text, or undefined when its lines are not all there. */
export function decodeResultLines(text: string): GradedLearner | undefined {
  const parts = new Map<number, string>();
  let count = 0;
  for (const match of text.matchAll(/DOCKLAB-RESULT (\d+)\/(\d+) ([A-Za-z0-9+/=]*)/g)) {
    parts.set(Number(match[1]), match[3]!);
    count = Number(match[2]);
  }
  if (count === 0) return undefined;
  const chunks: string[] = [];
  for (let i = 1; i <= count; i++) {
    const part = parts.get(i);
    if (part === undefined) return undefined;
    chunks.push(part);
  }
  try {
    return JSON.parse(Buffer.from(chunks.join(''), 'base64').toString('utf8')) as GradedLearner;
  } catch {
    return undefined;
  }
}

/**
 * The payload of an engine log stream without its 8-byte frame headers
 * (stream type, three zero bytes, big-endian length), as the Engine API
 * sends logs of containers and tasks that have no terminal.
 */
export function demuxLogs(buffer: Buffer): string {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && (buffer[offset] === 1 || buffer[offset] === 2) && buffer.readUIntBE(offset + 1, 3) === 0) {
    const length = buffer.readUInt32BE(offset + 4);
    out.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  // Not framed (a terminal, or another shape): the text as it is.
  if (offset === 0) return buffer.toString('utf8');
  return Buffer.concat(out).toString('utf8');
}
