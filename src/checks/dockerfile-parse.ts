import { readFileSync } from 'node:fs';

/** One Dockerfile instruction with its continuation lines joined. */
export interface DockerfileInstruction {
  /** Upper-cased keyword: "FROM", "RUN", "COPY". */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface DockerfileStage {
  /** 0-based position among the stages. */
  index: number;
  /** The image after FROM ("golang:1.19", "scratch" or an earlier stage's name). */
  base: string;
  /** The name after AS, if any. */
  name?: string;
  line: number;
  instructions: DockerfileInstruction[];
}

/**
 * A small reader of Dockerfiles, enough for checks that look at their shape
 * (stages, the order of instructions, ARG declarations). It joins lines
 * ending in a backslash and drops comments; it does not expand variables.
 */
export function parseDockerfile(text: string): DockerfileInstruction[] {
  const out: DockerfileInstruction[] = [];
  const lines = text.split(/\r?\n/);
  let pending: { text: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (!pending && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (pending && trimmed.startsWith('#')) continue;
    const continues = /\\\s*$/.test(raw);
    const piece = continues ? raw.replace(/\\\s*$/, '') : raw;
    pending = pending ? { text: `${pending.text} ${piece.trim()}`, line: pending.line } : { text: piece.trim(), line: i + 1 };
    if (continues) continue;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match) {
      // Heredocs (RUN <<EOF … EOF, BuildKit's syntax): the lines up to each terminator belong to the instruction.
      let args = match[2]!.trim();
      for (const [, strip, word] of args.matchAll(/<<(-?)["']?([A-Za-z_][\w]*)["']?/g)) {
        const body: string[] = [];
        while (++i < lines.length && (strip ? lines[i]!.replace(/^\t+/, '') : lines[i]!) !== word) body.push(lines[i]!);
        args = `${args}\n${body.join('\n')}\n${word}`;
      }
      out.push({ keyword: match[1]!.toUpperCase(), args, line: pending.line });
    }
    pending = undefined;
  }
  if (pending) {
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line });
  }
  return out;
}

/** The stages of a Dockerfile: each FROM starts one. Instructions before the first FROM (global ARGs) belong to none. */
export function dockerfileStages(instructions: DockerfileInstruction[]): DockerfileStage[] {
  const stages: DockerfileStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        index: stages.length,
        base: words[0] ?? '',
        name: asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined,
        line: instruction.line,
        instructions: [],
      });
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return stages;
}

export function readDockerfile(path: string): DockerfileInstruction[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** The names of the variables an instruction's arguments refer to ($NAME or ${NAME...}). */
export function variablesUsed(args: string): string[] {
  const names = new Set<string>();
  for (const match of args.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)) names.add(match[1] ?? match[2]!);
  return [...names];
}
