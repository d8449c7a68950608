/**
 * The progress of a BuildKit build as the Engine API sends it: JSON events
 * `{"id":"moby.buildkit.trace","aux":"<base64>"}` whose payload is BuildKit's
 * StatusResponse message in protocol-buffers encoding. Only the fields a
 * build report needs are read: each vertex (a Dockerfile step or an internal
 * action) with its name, whether it came from the cache, when it ended and
 * its error, and the log lines of each vertex.
 *
 * StatusResponse: 1 vertexes (Vertex), 3 logs (VertexLog).
 * Vertex: 1 digest, 3 name, 4 cached, 6 completed (Timestamp), 7 error.
 * VertexLog: 1 vertex (digest), 3 stream, 4 msg (bytes).
 */
export interface TraceVertex {
  digest: string;
  name?: string;
  cached?: boolean;
  completed?: boolean;
  error?: string;
}

export interface TraceLog {
  vertex: string;
  stream: number;
  text: string;
}

export interface TraceMessage {
  vertexes: TraceVertex[];
  logs: TraceLog[];
}

export function decodeTrace(payload: Buffer): TraceMessage {
  const message: TraceMessage = { vertexes: [], logs: [] };
  for (const field of fields(payload)) {
    if (field.number === 1 && field.bytes) message.vertexes.push(decodeVertex(field.bytes));
    else if (field.number === 3 && field.bytes) message.logs.push(decodeLog(field.bytes));
  }
  return message;
}

function decodeVertex(bytes: Buffer): TraceVertex {
  const vertex: TraceVertex = { digest: '' };
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.bytes) vertex.digest = field.bytes.toString('utf8');
    else if (field.number === 3 && field.bytes) vertex.name = field.bytes.toString('utf8');
    else if (field.number === 4 && field.varint !== undefined) vertex.cached = field.varint !== 0n;
    else if (field.number === 6 && field.bytes) vertex.completed = true;
    else if (field.number === 7 && field.bytes) vertex.error = field.bytes.toString('utf8');
  }
  return vertex;
}

function decodeLog(bytes: Buffer): TraceLog {
  const log: TraceLog = { vertex: '', stream: 1, text: '' };
  for (const field of fields(bytes)) {
    if (field.number === 1 && field.bytes) log.vertex = field.bytes.toString('utf8');
    else if (field.number === 3 && field.varint !== undefined) log.stream = Number(field.varint);
    else if (field.number === 4 && field.bytes) log.text = field.bytes.toString('utf8');
  }
  return log;
}

interface Field {
  number: number;
  varint?: bigint;
  bytes?: Buffer;
}

/** The top-level fields of one protocol-buffers message; unknown wire types end the read (the message is then taken as far as it went). */
function* fields(buffer: Buffer): Generator<Field> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw new RangeError('truncated varint');
      const byte = buffer[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  try {
    while (offset < buffer.length) {
      const key = Number(varint());
      const number = key >>> 3;
      const wire = key & 7;
      if (wire === 0) yield { number, varint: varint() };
      else if (wire === 2) {
        const length = Number(varint());
        if (offset + length > buffer.length) return;
        yield { number, bytes: buffer.subarray(offset, offset + length) };
        offset += length;
      } else if (wire === 1) offset += 8;
      else if (wire === 5) offset += 4;
      else return;
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
}

/** One step of a Dockerfile as BuildKit names its vertex: "[stage-1 2/5] RUN npm install". */
export interface DockerfileVertexName {
  stage?: string;
  index: number;
  total: number;
  command: string;
}

export function parseVertexName(name: string): DockerfileVertexName | undefined {
  const match = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (.+)$/s.exec(name);
  if (!match) return undefined;
  return { stage: match[1], index: Number(match[2]), total: Number(match[3]), command: match[4]! };
}

/**
 * Gathers the trace messages of one build: vertices in the order they first
 * appeared, merged as later messages update them, with their log text.
 */
export class BuildkitProgress {
  private readonly vertices = new Map<string, TraceVertex & { output: string[]; partial: string }>();

  /** Takes one trace payload; returns the lines worth showing as they happen ("#3 [2/4] RUN …", "#3 CACHED", log lines). */
  add(message: TraceMessage): string[] {
    const shown: string[] = [];
    for (const update of message.vertexes) {
      const known = this.vertices.get(update.digest);
      const number = known ? [...this.vertices.keys()].indexOf(update.digest) + 1 : this.vertices.size + 1;
      const vertex = known ?? { digest: update.digest, output: [], partial: '' };
      if (!known) this.vertices.set(update.digest, vertex);
      if (update.name && !vertex.name) {
        vertex.name = update.name;
        shown.push(`#${number} ${update.name}`);
      }
      if (update.cached && !vertex.cached) {
        vertex.cached = true;
        shown.push(`#${number} CACHED`);
      }
      if (update.error && !vertex.error) {
        vertex.error = update.error;
        shown.push(`#${number} ERROR: ${update.error}`);
      } else if (update.completed && !vertex.completed) {
        vertex.completed = true;
        if (!vertex.cached) shown.push(`#${number} DONE`);
      }
    }
    for (const log of message.logs) {
      const vertex = this.vertices.get(log.vertex);
      if (!vertex) continue;
      const number = [...this.vertices.keys()].indexOf(log.vertex) + 1;
      const lines = (vertex.partial + log.text).split(/\r?\n/);
      vertex.partial = lines.pop() ?? '';
      for (const line of lines) {
        const clean = line.replace(/\r/g, '');
        vertex.output.push(clean);
        if (clean.trim()) shown.push(`#${number} ${clean}`);
      }
    }
    return shown;
  }

  /** Every vertex in the order it first appeared, with its complete output. */
  list(): Array<TraceVertex & { output: string[] }> {
    return [...this.vertices.values()].map((v) => ({ ...v, output: v.partial ? [...v.output, v.partial] : v.output }));
  }

  /** The vertex that failed, if one did. */
  failed(): (TraceVertex & { output: string[] }) | undefined {
    return this.list().find((v) => v.error);
  }
}
