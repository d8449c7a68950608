import type Docker from 'dockerode';

export interface TerminalSessionOptions {
  /** Lines typed one by one, each after the shell shows its prompt. */
  lines: string[];
  /** What the shell's prompt ends with; default: "# " or "$ ". */
  prompt?: RegExp;
  /** Start the container after attaching (as `docker run -it` does); default true. */
  start?: boolean;
  /** Time limit for each prompt and for the shell to end after the last line. */
  stepTimeoutMs?: number;
}

export interface TerminalTranscript {
  /** Everything the terminal showed, escape sequences removed. */
  text: string;
  /** Whether the container's main process ended before the session was let go. */
  ended: boolean;
}

const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\r/g;

export function stripTerminalCodes(text: string): string {
  return text.replace(ESCAPES, '');
}

/**
 * Types into a container's terminal through the Engine API's hijacked
 * attach stream, the way `docker run -it` or `docker attach` does: attach
 * first (so nothing is missed), start, then for each line wait for the
 * prompt and type it. After the last line it waits for the shell to end if
 * it was told to exit; otherwise it lets go of the stream (detaches).
 */
export async function typeIntoTerminal(docker: Docker, containerId: string, options: TerminalSessionOptions): Promise<TerminalTranscript> {
  const container = docker.getContainer(containerId);
  const prompt = options.prompt ?? /[#$]\s*$/;
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream & {
    destroy(): void;
  };
  let output = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  stream.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    wake();
  });
  const onEnd = () => {
    ended = true;
    wake();
  };
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onEnd);

  const waitFor = (test: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (test()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`${what} did not come within ${stepTimeoutMs / 1000} s; the terminal showed: ${JSON.stringify(stripTerminalCodes(output).slice(-200))}`),
        );
      }, stepTimeoutMs);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  try {
    if (options.start !== false) await container.start();
    for (const line of options.lines) {
      const mark = output.length;
      await waitFor(() => ended || prompt.test(stripTerminalCodes(output)), 'the shell prompt');
      if (ended) break;
      stream.write(`${line}\n`);
      // The next prompt comes after this command's output.
      await waitFor(() => ended || output.length > mark + line.length, `the echo of ${JSON.stringify(line)}`);
    }
    const last = options.lines[options.lines.length - 1]?.trim();
    if (last === 'exit' || last?.startsWith('exit ')) {
      await waitFor(() => ended, 'the end of the shell');
      const state = await container.wait().catch(() => undefined);
      ended = ended || Boolean(state);
    } else if (options.lines.length) {
      // Let the last command's output arrive, then detach.
      await waitFor(() => ended || prompt.test(stripTerminalCodes(output)), 'the shell prompt');
    }
  } finally {
    if (!ended) stream.destroy();
  }
  return { text: stripTerminalCodes(output), ended };
}
