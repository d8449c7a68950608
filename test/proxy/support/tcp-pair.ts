import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startProxyFromFile } from '../../../src/proxy/index.js';
import { freePort } from './echo-servers.js';
import { startHaproxy } from './haproxy-process.js';

/** What a scripted TCP server does with each accepted connection. */
export type TcpHandler = (socket: Socket, index: number) => void;

export interface ScriptedServer {
  name: string;
  port: number;
  accepted: number;
  close(): Promise<void>;
}

const PROBE_IDLE_MS = 250;

/** A raw TCP server (half-open allowed) whose per-connection behaviour the test writes. */
export async function startScriptedServer(name: string, handler: TcpHandler): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0 };
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    // A proxy's readiness probe sends nothing: its server connection is cut early,
    // so that it neither lingers into the test nor counts as a concurrent session.
    let spoke = false;
    s.once('data', () => {
      spoke = true;
    });
    setTimeout(() => {
      if (!spoke) s.destroy();
    }, PROBE_IDLE_MS);
    handler(s, state.accepted++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return state.accepted;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A port that accepts no connection: a listener with a backlog of one that
 * never accepts, its queue filled by two idle connections, so that further
 * SYNs are dropped and a connect attempt only ends by the proxy's timeout.
 */
export async function startBlackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'python3',
    [
      '-c',
      `import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', ${port})); s.listen(0)
print('ok', flush=True); time.sleep(120)`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((r) => child.stdout!.once('data', () => r()));
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    fillers.push(connect({ host: '127.0.0.1', port }));
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const f of fillers) f.on('error', () => {});
  return {
    port,
    close: async () => {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** One proxy of a differential run with the servers behind it and the log lines it wrote. */
export interface TcpSide {
  kind: 'haproxy' | 'docklab';
  port: number;
  /** The second frontend (`@FE2`), e.g. a stats listener. */
  port2: number;
  servers: ScriptedServer[];
  logs(): string[];
  stop(): Promise<void>;
}

export interface PairOptions {
  /** One handler per server, in @S1, @S2… order, for each proxy's own servers. */
  servers: (kind: TcpSide['kind']) => TcpHandler[];
  /** Adds a black-holed port as @HOLE. */
  blackhole?: boolean;
}

/**
 * Runs real HAProxy and docklab on the same configuration, each with its own
 * servers. Placeholders: @FE, @FE2 (frontends), @S1.. (servers), @DOWN (nothing
 * listens), @HOLE (connects never complete).
 */
export async function startTcpPair(cfg: string, opts: PairOptions): Promise<{ hp: TcpSide; dl: TcpSide; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-tcp-pair-'));
  const start = async (kind: TcpSide['kind']): Promise<TcpSide> => {
    const servers = await Promise.all(opts.servers(kind).map((h, i) => startScriptedServer(`s${i + 1}`, h)));
    const hole = opts.blackhole ? await startBlackhole() : undefined;
    const [port, port2, down] = [await freePort(), await freePort(), await freePort()];
    let text = cfg.replace(/@FE2/g, `127.0.0.1:${port2}`).replace(/@FE/g, `127.0.0.1:${port}`).replace(/@DOWN/g, `127.0.0.1:${down}`);
    if (hole) text = text.replace(/@HOLE/g, `127.0.0.1:${hole.port}`);
    servers.forEach((s, i) => {
      text = text.replace(new RegExp(`@S${i + 1}\\b`, 'g'), `127.0.0.1:${s.port}`);
    });
    const file = join(dir, `${kind}.cfg`);
    writeFileSync(file, text);
    const lines: string[] = [];
    let stopProxy: () => Promise<void>;
    if (kind === 'haproxy') {
      const p = await startHaproxy(file, port);
      stopProxy = p.stop;
      return {
        kind,
        port,
        port2,
        servers,
        logs: () =>
          p
            .output()
            .split('\n')
            .filter((l) => l && !/^\[(NOTICE|WARNING|ALERT)\]/.test(l)),
        stop: async () => {
          await stopProxy();
          await hole?.close();
          await Promise.all(servers.map((s) => s.close()));
        },
      };
    }
    const p = await startProxyFromFile(file, { onLog: (l) => lines.push(l), onWarning: () => {} });
    return {
      kind,
      port,
      port2,
      servers,
      logs: () => lines.filter((l) => /^\d/.test(l)),
      stop: async () => {
        await p.close();
        await hole?.close();
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  };
  const [hp, dl] = await Promise.all([start('haproxy'), start('docklab')]);
  // HAProxy's start was probed by one connection; docklab's gets the same, so balancing starts alike.
  await probe(dl.port);
  // Long enough for what a server does with the probe's connection to be over.
  await new Promise((r) => setTimeout(r, PROBE_IDLE_MS + 150));
  return {
    hp,
    dl,
    stop: async () => {
      await Promise.all([hp.stop(), dl.stop()]);
    },
  };
}

function probe(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve();
    });
    s.on('error', () => resolve());
  });
}

/** How one client connection went, seen from the client. */
export interface ClientView {
  received: Buffer;
  /** 'end' = FIN from the proxy, 'reset' = RST, 'open' = still open when the test stopped waiting. */
  ending: 'end' | 'reset' | 'open';
  /** Milliseconds from connect to the proxy's FIN/RST (NaN while open). */
  closedAfterMs: number;
  localPort: number;
}

/**
 * Opens a connection, runs `script` with the socket (writes, half-close),
 * and reads until the proxy closes or `waitMs` passes. With `lingerMs` the
 * client keeps its own side open that long after the proxy's FIN (a silent
 * half-closed client).
 */
export async function clientSession(port: number, script: (s: Socket) => Promise<void> | void, waitMs = 4000, lingerMs = 0): Promise<ClientView> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  s.on('error', () => {});
  const chunks: Buffer[] = [];
  let started = Date.now();
  const done = new Promise<Omit<ClientView, 'received' | 'localPort'>>((resolve) => {
    const timer = setTimeout(() => resolve({ ending: 'open', closedAfterMs: NaN }), waitMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    const end = (ending: ClientView['ending']) => {
      clearTimeout(timer);
      resolve({ ending, closedAfterMs: Date.now() - started });
    };
    s.on('end', () => end('end'));
    s.on('error', () => end('reset'));
  });
  // A proxy that resets at once may beat the connect callback: then there is no session to script.
  const connected = await new Promise<boolean>((r) => {
    s.once('connect', () => {
      started = Date.now();
      r(true);
    });
    s.once('error', () => r(false));
  });
  const localPort = s.localPort ?? 0;
  if (connected) await script(s);
  const r = await done;
  if (lingerMs && r.ending === 'end')
    await new Promise((res) => {
      setTimeout(res, lingerMs);
      s.once('error', res);
    });
  s.destroy();
  return { received: Buffer.concat(chunks), localPort, ...r };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
