import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import { ensureImage } from '../../images/provisioner.js';

/**
 * Probes from outside the learner's image: a small container of docklab's
 * own joins the target container's network namespace (`--network
 * container:ID`), so it sees exactly what the target sees (its localhost,
 * its networks, its DNS), while every client runs in docklab: the learner's
 * image needs no shell, no bash, no mysql, no curl.
 *
 * The probe image is busybox, which the catalog provisions (a stand-in
 * when no registry answers): `nc` carries a TCP stream, `nslookup` asks the
 * namespace's resolver.
 */
export const PROBE_IMAGE = 'busybox:latest';

/** What a probe needs of a check's context: the engine, labels and names of this run, its signal. */
export interface ProbeContext {
  readonly docker: Docker;
  readonly signal: AbortSignal | undefined;
  labels(extra?: Record<string, string>): Record<string, string>;
  name(what: string): string;
}

export interface ProbeResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function createProbe(ctx: ProbeContext, targetId: string, cmd: string[], stdin: boolean): Promise<Docker.Container> {
  ctx.signal?.throwIfAborted();
  await ensureImage(ctx.docker, PROBE_IMAGE);
  return ctx.docker.createContainer({
    name: ctx.name(`probe-${randomBytes(3).toString('hex')}`),
    Image: PROBE_IMAGE,
    Cmd: cmd,
    OpenStdin: stdin,
    StdinOnce: stdin,
    AttachStdin: stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Labels: ctx.labels(),
    HostConfig: { NetworkMode: `container:${targetId}` },
  });
}

/** Runs one command in a probe container inside the target's network namespace; the container is removed after. */
export async function runProbe(ctx: ProbeContext, targetId: string, cmd: string[], timeoutMs = 10_000): Promise<ProbeResult> {
  const container = await createProbe(ctx, targetId, cmd, false);
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
    const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
    ctx.docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) =>
      stream
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve()),
    );
    await container.start();
    const timer = AbortSignal.timeout(timeoutMs);
    const stop = ctx.signal ? AbortSignal.any([timer, ctx.signal]) : timer;
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<undefined>((resolve) => stop.addEventListener('abort', () => resolve(undefined), { once: true })),
    ]);
    ctx.signal?.throwIfAborted();
    await Promise.race([ended, new Promise((r) => setTimeout(r, 500))]);
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
    if (!waited) return { exitCode: -1, stdout: text(out), stderr: `${text(err)}timed out after ${timeoutMs / 1000} s`.trim() };
    return { exitCode: waited.StatusCode, stdout: text(out), stderr: text(err) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** A TCP stream opened from inside the target's network namespace; `problem()` is what nc said when it could not connect. */
export interface Tunnel extends Duplex {
  problem(): string;
  /** Ends the stream and resolves once the probe container is gone (so that nothing removes it twice at once). */
  close(): Promise<void>;
}

/**
 * Opens a TCP connection to host:port as the target container would (its
 * names, its loopback), and hands it over as a stream for docklab's own
 * clients (mysql2 `stream`, an HTTP request's `createConnection`). Closing
 * the stream removes the probe container.
 */
export async function openTunnel(ctx: ProbeContext, targetId: string, host: string, port: number): Promise<Tunnel> {
  const container = await createProbe(ctx, targetId, ['nc', host, String(port)], true);
  let removal: Promise<void> | undefined;
  const remove = () =>
    (removal ??= container.remove({ force: true }).then(
      () => undefined,
      () => undefined,
    ));
  let socket: NodeJS.ReadWriteStream & { destroy?: () => void };
  try {
    socket = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as typeof socket;
    await container.start();
  } catch (error) {
    await remove();
    throw error;
  }
  const stdout = new PassThrough();
  const stderr: Buffer[] = [];
  ctx.docker.modem.demuxStream(
    socket,
    stdout,
    new PassThrough().on('data', (c: Buffer) => stderr.push(c)),
  );
  const tunnel = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy?.();
      void remove();
      callback(error);
    },
  }) as Tunnel;
  // Errors reach the consumer's own listeners; this one only keeps a late error from crashing the process.
  tunnel.on('error', () => undefined);
  tunnel.problem = () => Buffer.concat(stderr).toString('utf8').trim();
  tunnel.close = async () => {
    tunnel.destroy();
    await remove();
  };
  stdout.on('data', (chunk: Buffer) => tunnel.push(chunk));
  const finish = () => {
    tunnel.push(null);
    void remove();
  };
  socket.on('end', finish);
  socket.on('close', finish);
  socket.on('error', (error: Error) => tunnel.destroy(error));
  ctx.signal?.addEventListener('abort', () => tunnel.destroy(), { once: true });
  return tunnel;
}

/**
 * The first bytes a server sends on a new connection (a MySQL or
 * PostgreSQL-less greeting), read from inside the target's namespace.
 * Resolves with what arrived within the time, or the reason nothing did.
 */
export async function readGreeting(
  ctx: ProbeContext,
  targetId: string,
  host: string,
  port: number,
  timeoutMs = 5_000,
): Promise<{ greeting?: Buffer; problem?: string }> {
  const tunnel = await openTunnel(ctx, targetId, host, port);
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ problem: tunnel.problem() || `no bytes from ${host}:${port} within ${timeoutMs / 1000} s` }), timeoutMs);
      tunnel.once('data', (chunk: Buffer) => {
        clearTimeout(timer);
        resolve({ greeting: chunk });
      });
      tunnel.once('end', () => {
        clearTimeout(timer);
        // nc has exited by now: give its last words a moment to arrive.
        setTimeout(() => resolve({ problem: tunnel.problem() || `${host}:${port} closed the connection without a word` }), 100);
      });
      tunnel.once('error', (error: Error) => {
        clearTimeout(timer);
        resolve({ problem: error.message });
      });
    });
  } finally {
    await tunnel.close();
  }
}

/** The server version in a MySQL protocol greeting (protocol 10: a NUL-terminated version string after the 4-byte header). */
export function mysqlGreetingVersion(packet: Buffer): string | undefined {
  if (packet.length < 6 || packet[4] !== 10) return undefined;
  const end = packet.indexOf(0, 5);
  return end > 5 ? packet.subarray(5, end).toString('latin1') : undefined;
}

export interface ProbeHttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP GET sent as the target container would send it (to its own localhost, or a name on its networks). */
export async function httpFrom(
  ctx: ProbeContext,
  targetId: string,
  url: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProbeHttpAnswer> {
  const target = new URL(url);
  const port = Number(target.port || 80);
  const tunnel = await openTunnel(ctx, targetId, target.hostname, port);
  const timeoutMs = options.timeoutMs ?? 5_000;
  try {
    return await new Promise<ProbeHttpAnswer>((resolve) => {
      const request = httpRequest(
        {
          host: target.hostname,
          port,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers: { Connection: 'close', ...options.headers },
          createConnection: () => tunnel as never,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', (error) => resolve({ status: 0, headers: {}, body: error.message }));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no HTTP answer within ${timeoutMs / 1000} s`)));
      request.on('error', (error) => resolve({ status: 0, headers: {}, body: tunnel.problem() || error.message }));
      request.end();
    });
  } finally {
    await tunnel.close();
  }
}

/**
 * The addresses a name resolves to in the target's namespace (Docker's
 * embedded DNS on user-defined networks, /etc/hosts entries of --link and
 * --add-host). Empty when it does not resolve.
 */
export async function resolveFrom(ctx: ProbeContext, targetId: string, name: string): Promise<{ addresses: string[]; said: string }> {
  // nslookup asks the resolver alone; the hosts file is read first, as libc does.
  const script = `grep -v '^#' /etc/hosts | awk -v n="$1" '{for(i=2;i<=NF;i++) if($i==n) print "Address: " $1}'; nslookup "$1" 2>&1`;
  const result = await runProbe(ctx, targetId, ['sh', '-c', script, 'probe', name]);
  const lines = result.stdout.split('\n');
  const fromHosts = lines.filter((l) => /^Address: /.test(l) && !l.includes('#') && !/:53$/.test(l));
  // After nslookup's "Name:" line come the answer's addresses; the server's own address comes before it.
  const nameAt = lines.findIndex((l) => /^Name:/.test(l));
  const fromDns = nameAt >= 0 ? lines.slice(nameAt).filter((l) => /^Address:?\s/.test(l)) : [];
  const addresses = [
    ...new Set(
      [...fromHosts, ...fromDns]
        .map(
          (l) =>
            l
              .replace(/^Address:?\s*(\d+:\s*)?/, '')
              .trim()
              .split(/\s+/)[0]!,
        )
        .filter(Boolean),
    ),
  ];
  return {
    addresses,
    said:
      (result.stdout + result.stderr)
        .trim()
        .split('\n')
        .filter((l) => /can't find|NXDOMAIN|timed out|no servers/i.test(l))[0] ?? '',
  };
}
