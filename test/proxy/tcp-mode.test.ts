import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { haproxyAvailability } from './support/haproxy-process.js';
import { clientSession, sleep, startTcpPair, type ClientView, type TcpHandler, type TcpSide } from './support/tcp-pair.js';

/**
 * `mode tcp` through real HAProxy and docklab with the same configuration,
 * over raw sockets: streams byte for byte under backpressure, half-closes,
 * each timeout, queueing, retries, balancing, tcplog lines, stats counters
 * and per-source connection limits.
 */

const availability = haproxyAvailability();
if (!availability.available) console.warn(availability.message);

const HEAD = `global
  maxconn 512
defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** The same with HAProxy's tcplog line on stdout (HAProxy runs with -db, docklab hands lines to onLog). */
const LOG_HEAD = `global
  maxconn 512
  log stdout format raw local0
defaults
  mode tcp
  log global
  option tcplog
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** One tcplog line, split into HAProxy's fields. */
interface TcpLogFields {
  frontend: string;
  backend: string;
  server: string;
  tw: number;
  tc: number;
  tt: number;
  bytes: number;
  term: string;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: string;
  queues: string;
}

const TCPLOG =
  /^[\d.]+:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] (\S+) ([^/\s]+)\/(\S+) (-?\d+)\/(-?\d+)\/(\d+) (\d+) (\S\S) \d+\/(\d+)\/(\d+)\/(\d+)\/(\+?\d+) (\d+\/\d+)$/;

function parseTcpLog(line: string): TcpLogFields {
  const m = TCPLOG.exec(line);
  if (!m) throw new Error(`not a tcplog line: ${line}`);
  return {
    frontend: m[1]!,
    backend: m[2]!,
    server: m[3]!,
    tw: Number(m[4]),
    tc: Number(m[5]),
    tt: Number(m[6]),
    bytes: Number(m[7]),
    term: m[8]!,
    feconn: Number(m[9]),
    beconn: Number(m[10]),
    srvconn: Number(m[11]),
    retries: m[12]!,
    queues: m[13]!,
  };
}

/** The log lines of the given client connections (readiness probes log too), in the order of `ports`. */
function logsOf(side: TcpSide, ports: number[]): TcpLogFields[] {
  const lines = side.logs();
  return ports.flatMap((p) => lines.filter((l) => l.includes(`:${p} [`)).map(parseTcpLog));
}

/** Same fields, same termination state; timers within the tolerance. */
function expectSameTcpLogs(hp: TcpLogFields[], dl: TcpLogFields[]): void {
  if (process.env.DOCKLAB_TCP_PRINT) console.log('tcplog', { hp, dl });
  // Timers: whether the phase happened (-1 or not) must agree, the values within the tolerance.
  const exact = (f: TcpLogFields) => ({ ...f, tw: f.tw < 0 ? -1 : 0, tc: f.tc < 0 ? -1 : 0, tt: 0 });
  expect(dl.map(exact)).toEqual(hp.map(exact));
  hp.forEach((h, i) => {
    for (const k of ['tw', 'tc', 'tt'] as const) expect(Math.abs(h[k] - dl[i]![k])).toBeLessThan(TOLERANCE_MS);
  });
}

/** Waits until both proxies logged these client connections; returns the lines. */
async function awaitLogs(pair: { hp: TcpSide; dl: TcpSide }, ports: { hp: number[]; dl: number[] }): Promise<{ hp: TcpLogFields[]; dl: TcpLogFields[] }> {
  for (let i = 0; i < 50; i++) {
    if (logsOf(pair.hp, ports.hp).length >= ports.hp.length && logsOf(pair.dl, ports.dl).length >= ports.dl.length) break;
    await sleep(100);
  }
  return { hp: logsOf(pair.hp, ports.hp), dl: logsOf(pair.dl, ports.dl) };
}

/**
 * Stats CSV columns of a TCP proxy compared exactly: sessions, bytes, state,
 * balancing and the HTTP-only cells left empty. (slim and uweight of the
 * BACKEND row are not TCP-specific and still differ: HAProxy derives them
 * from fullconn and the servers' weights.)
 */
const STATS_COLUMNS = [
  'pxname',
  'svname',
  'qcur',
  'scur',
  'smax',
  'stot',
  'bin',
  'bout',
  'status',
  'weight',
  'act',
  'bck',
  'type',
  'lbtot',
  'hrsp_1xx',
  'hrsp_2xx',
  'hrsp_3xx',
  'hrsp_4xx',
  'hrsp_5xx',
  'hrsp_other',
  'mode',
  'algo',
  'conn_tot',
];

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.replace(/^# /, '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

/** Timers measured on a shared, busy machine: how far the two proxies may differ. */
const TOLERANCE_MS = 250;

/** A deterministic byte stream (xorshift32), so both ends know what the other must receive. */
function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  for (let i = length - (length % 4); i < length; i++) out[i] = i & 0xff;
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes a buffer in 64 KiB pieces, honouring backpressure. */
async function writeAll(s: Socket, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += 65536) {
    if (!s.write(data.subarray(off, off + 65536)))
      await new Promise<void>((r) => {
        s.once('drain', () => r());
        s.once('close', () => r());
      });
    if (s.destroyed) return;
  }
}

/** Runs the same client steps against both proxies, concurrently. */
async function both<T>(pair: { hp: TcpSide; dl: TcpSide }, fn: (side: TcpSide) => Promise<T>): Promise<{ hp: T; dl: T }> {
  const [hp, dl] = await Promise.all([fn(pair.hp), fn(pair.dl)]);
  return { hp, dl };
}

/** Server events per proxy kind, as [ms since accept, event]. */
type Events = Record<TcpSide['kind'], string[]>;
function newEvents(): Events {
  return { haproxy: [], docklab: [] };
}
/** Forgets what the proxies' readiness probes caused. */
function clearEvents(ev: Events): void {
  ev.haproxy.length = 0;
  ev.docklab.length = 0;
}

/** Records when the server's connection was ended by the proxy and how. */
function watchServerSide(s: Socket, log: string[]): void {
  const at = Date.now();
  s.on('end', () => log.push(`end@${Date.now() - at}`));
  s.on('error', () => log.push(`reset@${Date.now() - at}`));
}

function expectCloseTimes(a: ClientView, b: ClientView): void {
  if (process.env.DOCKLAB_TCP_PRINT) console.log('client', { hp: { ...a, received: a.received.toString() }, dl: { ...b, received: b.received.toString() } });
  expect(b.ending).toBe(a.ending);
  if (a.ending !== 'open') expect(Math.abs(a.closedAfterMs - b.closedAfterMs)).toBeLessThan(TOLERANCE_MS);
}

function eventTimes(event: string): { kind: string; ms: number } {
  const [kind, ms] = event.split('@');
  return { kind: kind!, ms: Number(ms) };
}

async function expectServerCloses(ev: Events): Promise<void> {
  // A proxy may write its log line a moment before the server sees its FIN: wait for the server's side to catch up
  // (within the tolerance the times are compared with) before comparing what each server saw.
  const deadline = Date.now() + TOLERANCE_MS;
  while (ev.docklab.length !== ev.haproxy.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (process.env.DOCKLAB_TCP_PRINT) console.log('server', ev);
  const a = ev.haproxy.map(eventTimes);
  const b = ev.docklab.map(eventTimes);
  expect(b.map((e) => e.kind)).toEqual(a.map((e) => e.kind));
  a.forEach((e, i) => expect(Math.abs(e.ms - b[i]!.ms)).toBeLessThan(TOLERANCE_MS));
}

describe.skipIf(!availability.available)('TCP mode against HAProxy', () => {
  it('passes a 10 MiB seeded stream both ways byte-exact, with a server that reads slowly', async () => {
    const SIZE = 10 * 1024 * 1024;
    const up = seededBytes(1, SIZE);
    const down = seededBytes(2, SIZE);
    const got: Record<string, { length: number; hash: string }> = {};
    const slowReader =
      (kind: string): TcpHandler =>
      (s) => {
        const h = createHash('sha256');
        let length = 0;
        let sinceBreak = 0;
        s.on('data', (d: Buffer) => {
          h.update(d);
          length += d.length;
          sinceBreak += d.length;
          // Reads stop for a while every 512 KiB: the proxy must hold the client back, not drop bytes.
          if (sinceBreak >= 512 * 1024) {
            sinceBreak = 0;
            s.pause();
            setTimeout(() => s.resume(), 15);
          }
        });
        // Readiness probes reach the server too: only a connection that carried bytes counts.
        s.on('end', () => {
          if (length) got[kind] = { length, hash: h.digest('hex') };
        });
        void writeAll(s, down).then(() => s.end());
      };
    const pair = await startTcpPair(`${HEAD}listen big\n  bind @FE\n  server s1 @S1\n`, { servers: (k) => [slowReader(k)] });
    try {
      const r = await both(pair, (side) =>
        clientSession(
          side.port,
          async (s) => {
            await writeAll(s, up);
            s.end();
          },
          60000,
        ),
      );
      for (let i = 0; i < 100 && !(got.haproxy && got.docklab); i++) await sleep(100);
      for (const v of [r.hp, r.dl]) {
        expect(v.ending).toBe('end');
        expect(v.received.length).toBe(SIZE);
        expect(sha(v.received)).toBe(sha(down));
      }
      expect(got.docklab).toEqual({ length: SIZE, hash: sha(up) });
      expect(got.haproxy).toEqual(got.docklab);
    } finally {
      await pair.stop();
    }
  }, 90000);

  it('server FIN first, then 8 MiB from the client: every byte still reaches a server that reads slowly', async () => {
    const SIZE = 8 * 1024 * 1024;
    const up = seededBytes(3, SIZE);
    const got: Record<string, number> = {};
    // Closes its side at once, then reads slowly: the client's bytes queue up in the proxy after the server's FIN.
    const lateReader =
      (kind: string): TcpHandler =>
      (s) => {
        let length = 0;
        let sinceBreak = 0;
        s.end('bye');
        s.on('data', (d: Buffer) => {
          // A long stop after the first bytes (the proxy's buffers toward it fill up), then short ones.
          const stopMs = length === 0 ? 300 : 5;
          length += d.length;
          sinceBreak += d.length;
          if (stopMs === 300 || sinceBreak >= 64 * 1024) {
            sinceBreak = 0;
            s.pause();
            setTimeout(() => s.resume(), stopMs);
          }
        });
        s.on('end', () => {
          if (length) got[kind] = length;
        });
      };
    const pair = await startTcpPair(`${HEAD}listen big\n  bind @FE\n  server s1 @S1\n`, { servers: (k) => [lateReader(k)] });
    try {
      await both(pair, (side) =>
        clientSession(
          side.port,
          async (s) => {
            await writeAll(s, up);
            s.end();
          },
          30000,
        ),
      );
      for (let i = 0; i < 50 && !(got.haproxy && got.docklab); i++) await sleep(100);
      expect(got.docklab).toBe(SIZE);
      expect(got.haproxy).toBe(SIZE);
    } finally {
      await pair.stop();
    }
  }, 60000);

  it('client FIN while the server keeps sending: every later server byte still reaches the client', async () => {
    const ev = newEvents();
    const talker =
      (kind: TcpSide['kind']): TcpHandler =>
      (s) => {
        watchServerSide(s, ev[kind]);
        s.on('data', () => {});
        s.on('end', async () => {
          for (let i = 0; i < 5; i++) {
            await sleep(40);
            s.write(`late${i};`);
          }
          s.end('done');
        });
      };
    const pair = await startTcpPair(`${HEAD}listen l\n  bind @FE\n  server s1 @S1\n`, { servers: (k) => [talker(k)] });
    clearEvents(ev);
    try {
      const r = await both(pair, (side) =>
        clientSession(side.port, (s) => {
          s.end('hello');
        }),
      );
      expect(r.dl.received.toString()).toBe('late0;late1;late2;late3;late4;done');
      expect(r.dl.received.toString()).toBe(r.hp.received.toString());
      expectCloseTimes(r.hp, r.dl);
      await expectServerCloses(ev);
    } finally {
      await pair.stop();
    }
  });

  it('server FIN while the client keeps sending: the server still receives what the client sends after', async () => {
    const ev = newEvents();
    const got: Record<string, string> = { haproxy: '', docklab: '' };
    const quitter =
      (kind: TcpSide['kind']): TcpHandler =>
      (s) => {
        watchServerSide(s, ev[kind]);
        s.on('data', (d: Buffer) => {
          got[kind] += d.toString();
        });
        s.end('server-bye');
      };
    const pair = await startTcpPair(`${HEAD}listen l\n  bind @FE\n  server s1 @S1\n`, { servers: (k) => [quitter(k)] });
    clearEvents(ev);
    try {
      const r = await both(pair, async (side) =>
        clientSession(side.port, async (s) => {
          for (let i = 0; i < 5; i++) {
            await sleep(40);
            s.write(`c${i};`);
          }
          s.end();
        }),
      );
      await sleep(50);
      expect(r.dl.received.toString()).toBe('server-bye');
      expect(r.hp.received.toString()).toBe('server-bye');
      expect(got.docklab).toBe(got.haproxy);
      expectCloseTimes(r.hp, r.dl);
      await expectServerCloses(ev);
    } finally {
      await pair.stop();
    }
  });

  /** A server that answers the first chunk once, then stays silent and never closes. */
  const silentAfterFirst =
    (ev: Events, kind: TcpSide['kind'], endOnFin = false): TcpHandler =>
    (s) => {
      watchServerSide(s, ev[kind]);
      s.once('data', () => s.write('ack'));
      if (endOnFin) s.on('end', () => s.end());
    };

  const timeoutCases: { name: string; timeouts: string; client: (s: Socket) => void | Promise<void>; server: 'silent' | 'fin-first' }[] = [
    {
      name: 'regression: timeout client only half-closes toward the server; the session ends at timeout server (was: closed at timeout client)',
      timeouts: '  timeout client 600ms\n  timeout server 3s\n',
      client: (s) => {
        s.write('x');
      },
      server: 'silent',
    },
    {
      name: 'timeout server',
      timeouts: '  timeout client 3s\n  timeout server 600ms\n',
      client: (s) => {
        s.write('x');
      },
      server: 'silent',
    },
    {
      name: 'timeout tunnel replaces client and server',
      timeouts: '  timeout client 300ms\n  timeout server 300ms\n  timeout tunnel 900ms\n',
      client: (s) => {
        s.write('x');
      },
      server: 'silent',
    },
    {
      name: 'timeout server-fin (client half-closed, server silent)',
      timeouts: '  timeout client 3s\n  timeout server 3s\n  timeout server-fin 600ms\n',
      client: async (s) => {
        s.write('x');
        await sleep(50);
        s.end();
      },
      server: 'silent',
    },
    {
      name: 'regression: timeout client-fin does not apply when the client half-closed (it applies once the proxy sent the client a FIN)',
      timeouts: '  timeout client 3s\n  timeout server 1200ms\n  timeout client-fin 300ms\n',
      client: async (s) => {
        s.write('x');
        await sleep(50);
        s.end();
      },
      server: 'silent',
    },
    {
      name: 'timeout client-fin (server half-closed, client silent)',
      timeouts: '  timeout client 3s\n  timeout server 3s\n  timeout client-fin 600ms\n',
      client: (s) => {
        s.write('x');
      },
      server: 'fin-first',
    },
    {
      name: 'timeout server-fin does not apply when the server half-closed',
      timeouts: '  timeout client 1200ms\n  timeout server 3s\n  timeout server-fin 300ms\n',
      client: (s) => {
        s.write('x');
      },
      server: 'fin-first',
    },
  ];
  for (const tc of timeoutCases) {
    it(`${tc.name}: closes at the same time, on the same sides, same tcplog line`, async () => {
      const ev = newEvents();
      const handler = (kind: TcpSide['kind']): TcpHandler =>
        tc.server === 'fin-first'
          ? (s) => {
              watchServerSide(s, ev[kind]);
              s.once('data', () => s.end('ack'));
            }
          : silentAfterFirst(ev, kind);
      const pair = await startTcpPair(`${LOG_HEAD}listen l\n  bind @FE\n${tc.timeouts}  server s1 @S1\n`, { servers: (k) => [handler(k)] });
      clearEvents(ev);
      try {
        const r = await both(pair, (side) => clientSession(side.port, tc.client, 4000, tc.server === 'fin-first' ? 2500 : 0));
        const logs = await awaitLogs(pair, { hp: [r.hp.localPort], dl: [r.dl.localPort] });
        expect(r.dl.received.toString()).toBe(r.hp.received.toString());
        expectCloseTimes(r.hp, r.dl);
        await expectServerCloses(ev);
        expectSameTcpLogs(logs.hp, logs.dl);
      } finally {
        await pair.stop();
      }
    });
  }

  it('regression: after a connect timeout the retry is immediate (no turn-around pause, unlike a refused connection)', async () => {
    const pair = await startTcpPair(`${HEAD}listen l\n  bind @FE\n  timeout connect 400ms\n  retries 1\n  server s1 @HOLE\n`, {
      servers: () => [],
      blackhole: true,
    });
    try {
      const r = await both(pair, (side) =>
        clientSession(
          side.port,
          (s) => {
            s.write('x');
          },
          4000,
        ),
      );
      expect(r.hp.ending).not.toBe('open');
      expectCloseTimes(r.hp, r.dl);
    } finally {
      await pair.stop();
    }
  });

  /** An echo server that prefixes what it returns with its own name. */
  const namedEcho =
    (name: string): TcpHandler =>
    (s) => {
      s.on('data', (d: Buffer) => s.write(`${name}:${d.toString()}`));
      s.on('end', () => s.end());
    };

  it('maxconn on a server queues the next connections; timeout queue closes those that waited too long', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  timeout queue 500ms\n  server s1 @S1 maxconn 1\n`;
    const pair = await startTcpPair(cfg, { servers: () => [namedEcho('s1')] });
    try {
      const r = await both(pair, async (side) => {
        const first = clientSession(
          side.port,
          async (s) => {
            s.write('a');
            await sleep(1200);
            s.end();
          },
          4000,
        );
        await sleep(100);
        const waiting = [0, 1].map(() =>
          clientSession(
            side.port,
            (s) => {
              s.write('b');
            },
            4000,
          ),
        );
        return Promise.all([first, ...waiting]);
      });
      r.hp.forEach((v, i) => {
        expect(r.dl[i]!.received.toString()).toBe(v.received.toString());
        expectCloseTimes(v, r.dl[i]!);
      });
      expect(r.hp[0]!.received.toString()).toBe('s1:a');
    } finally {
      await pair.stop();
    }
  });

  it('maxconn: a queued connection is served once the server has a free slot', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  timeout queue 2s\n  server s1 @S1 maxconn 1\n`;
    const pair = await startTcpPair(cfg, { servers: () => [namedEcho('s1')] });
    try {
      const r = await both(pair, async (side) => {
        const first = clientSession(
          side.port,
          async (s) => {
            s.write('a');
            await sleep(400);
            s.end();
          },
          4000,
        );
        await sleep(100);
        const second = clientSession(
          side.port,
          async (s) => {
            s.write('b');
            await sleep(600);
            s.end();
          },
          4000,
        );
        return Promise.all([first, second]);
      });
      expect(r.dl.map((v) => v.received.toString())).toEqual(['s1:a', 's1:b']);
      expect(r.dl.map((v) => v.received.toString())).toEqual(r.hp.map((v) => v.received.toString()));
      r.hp.forEach((v, i) => expectCloseTimes(v, r.dl[i]!));
    } finally {
      await pair.stop();
    }
  });

  for (const redispatch of [true, false]) {
    it(`retries on a refused server${redispatch ? ' with option redispatch' : ''}: same servers reached, same outcome`, async () => {
      const cfg = `${HEAD}listen l\n  bind @FE\n  timeout connect 200ms\n  retries 2\n${redispatch ? '  option redispatch\n' : ''}  server down @DOWN\n  server s2 @S1\n`;
      const pair = await startTcpPair(cfg, { servers: () => [namedEcho('s2')] });
      try {
        const r = await both(pair, async (side) => {
          const out: string[] = [];
          for (let i = 0; i < 4; i++) {
            const v = await clientSession(
              side.port,
              async (s) => {
                s.write(`m${i}`);
                await sleep(100);
                s.end();
              },
              4000,
            );
            out.push(`${v.received.toString() || '-'} ${v.ending}`);
          }
          return out;
        });
        expect(r.dl).toEqual(r.hp);
      } finally {
        await pair.stop();
      }
    });
  }

  it('balance static-rr follows the weights in order', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  balance static-rr\n  server s1 @S1 weight 2\n  server s2 @S2 weight 1\n  server s3 @S3 weight 1\n`;
    const pair = await startTcpPair(cfg, { servers: () => ['s1', 's2', 's3'].map(namedEcho) });
    try {
      const r = await both(pair, async (side) => {
        const out: string[] = [];
        for (let i = 0; i < 8; i++)
          out.push(
            (
              await clientSession(side.port, (s) => {
                s.end('x');
              })
            ).received.toString(),
          );
        return out;
      });
      expect(new Set(r.dl).size).toBe(3);
      expect(r.dl).toEqual(r.hp);
    } finally {
      await pair.stop();
    }
  });

  it('balance first fills s1 up to its maxconn before using s2', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  balance first\n  server s1 @S1 maxconn 2\n  server s2 @S2 maxconn 2\n  server s3 @S3 maxconn 2\n`;
    const pair = await startTcpPair(cfg, { servers: () => ['s1', 's2', 's3'].map(namedEcho) });
    try {
      const r = await both(pair, async (side) => {
        const held: Promise<ClientView>[] = [];
        for (let i = 0; i < 5; i++) {
          held.push(
            clientSession(side.port, async (s) => {
              s.write('x');
              await sleep(600 - i * 100);
              s.end();
            }),
          );
          await sleep(60);
        }
        return (await Promise.all(held)).map((v) => v.received.toString());
      });
      expect(r.dl).toEqual(['s1:x', 's1:x', 's2:x', 's2:x', 's3:x']);
      expect(r.dl).toEqual(r.hp);
    } finally {
      await pair.stop();
    }
  });

  it('balance leastconn sends a new connection to the server with the fewest', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  balance leastconn\n  server s1 @S1\n  server s2 @S2\n  server s3 @S3\n`;
    const pair = await startTcpPair(cfg, { servers: () => ['s1', 's2', 's3'].map(namedEcho) });
    try {
      const r = await both(pair, async (side) => {
        // Two long connections, then short ones one after another: they avoid the busy servers.
        // They start one after the other: two at once may reach the proxy in either order.
        const long: Promise<ClientView>[] = [];
        for (let i = 0; i < 2; i++) {
          long.push(
            clientSession(side.port, async (s) => {
              s.write('L');
              await sleep(900 - i * 100);
              s.end();
            }),
          );
          await sleep(100);
        }
        await sleep(50);
        const short: string[] = [];
        for (let i = 0; i < 4; i++)
          short.push(
            (
              await clientSession(side.port, (s) => {
                s.end('x');
              })
            ).received.toString(),
          );
        return [...(await Promise.all(long)).map((v) => v.received.toString()), ...short];
      });
      expect(r.dl).toEqual(r.hp);
    } finally {
      await pair.stop();
    }
  });

  it('balance random spreads connections over the usable servers only', async () => {
    const cfg = `${HEAD}listen l\n  bind @FE\n  balance random\n  server s1 @S1\n  server s2 @S2\n  server s3 @S3 disabled\n`;
    const pair = await startTcpPair(cfg, { servers: () => ['s1', 's2', 's3'].map(namedEcho) });
    try {
      const r = await both(pair, async (side) => {
        const seen = new Set<string>();
        for (let i = 0; i < 16; i++)
          seen.add(
            (
              await clientSession(side.port, (s) => {
                s.end('x');
              })
            ).received.toString(),
          );
        return [...seen].sort();
      });
      expect(r.dl).toEqual(['s1:x', 's2:x']);
      expect(r.hp).toEqual(r.dl);
    } finally {
      await pair.stop();
    }
  });
  it('option tcplog: same fields and termination states (--, CR, CD, SD, SC, PR, sQ) as HAProxy', async () => {
    const cfg = `${LOG_HEAD}frontend fe
  bind @FE
  tcp-request inspect-delay 1s
  tcp-request content reject if { req.payload(0,6) -m str reject }
  tcp-request content accept if { req.len gt 0 }
  use_backend refused if { req.payload(0,4) -m str down }
  use_backend narrow if { req.payload(0,4) -m str wait }
  default_backend echo
backend echo
  server s1 @S1
backend refused
  retries 1
  timeout connect 200ms
  server s2 @DOWN
backend narrow
  timeout queue 300ms
  server s3 @S2 maxconn 1
`;
    // Resets its connection on "rst", echoes anything else and closes when the client does.
    const server: TcpHandler = (s) => {
      s.on('data', (d: Buffer) => {
        if (d.toString().startsWith('rst')) s.resetAndDestroy();
        else s.write(d);
      });
      s.on('end', () => s.end());
    };
    const pair = await startTcpPair(cfg, { servers: () => [server, server] });
    try {
      const r = await both(pair, async (side) => {
        const views: ClientView[] = [];
        const run = async (script: (s: Socket) => Promise<void> | void) => {
          views.push(await clientSession(side.port, script));
        };
        await run(async (s) => {
          s.write('hello');
          await sleep(100);
          s.end();
        });
        await run(async (s) => {
          s.write('hold');
          await sleep(150);
          s.resetAndDestroy();
        });
        await run(async (s) => {
          s.write('holding on');
          await sleep(150);
          s.resetAndDestroy();
        });
        await run((s) => {
          s.write('rst now');
        });
        await run((s) => {
          s.write('down');
        });
        await run((s) => {
          s.write('reject');
        });
        const holder = clientSession(side.port, async (s) => {
          s.write('wait-1');
          await sleep(700);
          s.end();
        });
        await sleep(100);
        await run((s) => {
          s.write('wait-2');
        });
        views.push(await holder);
        return views;
      });
      const logs = await awaitLogs(pair, { hp: r.hp.map((v) => v.localPort), dl: r.dl.map((v) => v.localPort) });
      expect(logs.hp.map((l) => l.term)).toEqual(['--', 'CR', 'CD', 'SD', 'SC', 'PR', 'sQ', '--']);
      expect(logs.dl.map((l) => l.term)).toEqual(logs.hp.map((l) => l.term));
      expectSameTcpLogs(logs.hp, logs.dl);
      r.hp.forEach((v, i) => expect(r.dl[i]!.received.toString()).toBe(v.received.toString()));
    } finally {
      await pair.stop();
    }
  });
  it('stats CSV lists TCP frontends, backends and servers with the same counters as HAProxy', async () => {
    const cfg = `${HEAD}frontend fe
  bind @FE
  default_backend be
backend be
  balance roundrobin
  server s1 @S1
  server s2 @S2
listen stats
  mode http
  bind @FE2
  stats enable
  stats uri /stats
`;
    const echo: TcpHandler = (s) => {
      s.on('data', (d: Buffer) => s.write(Buffer.concat([d, d])));
      s.on('end', () => s.end());
    };
    const pair = await startTcpPair(cfg, { servers: () => [echo, echo] });
    try {
      const rows = await both(pair, async (side) => {
        for (const msg of ['a', 'bb', 'ccc', 'dddd', 'eeeee'])
          await clientSession(side.port, async (s) => {
            s.write(msg);
            await sleep(30);
            s.end();
          });
        await sleep(100);
        const res = await fetch(`http://127.0.0.1:${side.port2}/stats;csv`);
        return parseCsv(await res.text()).filter((r) => r.pxname === 'fe' || r.pxname === 'be');
      });
      if (process.env.DOCKLAB_TCP_PRINT) console.log(rows);
      // The readiness probes are sessions too: HAProxy's probe is counted the same way as docklab's.
      const shown = (r: Record<string, string>) => Object.fromEntries(STATS_COLUMNS.map((c) => [c, r[c]]));
      expect(rows.dl.map(shown)).toEqual(rows.hp.map(shown));
      const fe = rows.dl.find((r) => r.svname === 'FRONTEND')!;
      expect(fe.mode).toBe('tcp');
    } finally {
      await pair.stop();
    }
  });
  it('per-source connection limit (track-sc0 src + sc_conn_cur gt 2) holds exactly with 4 concurrent connections', async () => {
    const cfg = `${HEAD}frontend fe
  bind @FE
  stick-table type ip size 1k expire 30s store conn_cur,conn_rate(10s)
  tcp-request connection track-sc0 src
  tcp-request connection reject if { sc_conn_cur(0) gt 2 }
  default_backend be
backend be
  server s1 @S1
`;
    const pair = await startTcpPair(cfg, { servers: () => [namedEcho('s1')] });
    try {
      const r = await both(pair, async (side) => {
        const outcome = (v: ClientView) => `${v.received.toString() || '-'} ${v.ending}`;
        // Four at once, each opened after the previous one is in, held 600 ms.
        const held: Promise<ClientView>[] = [];
        for (let i = 0; i < 4; i++) {
          held.push(
            clientSession(side.port, async (s) => {
              s.write(`c${i}`);
              await sleep(600 - i * 100);
              s.end();
            }),
          );
          await sleep(60);
        }
        const first = (await Promise.all(held)).map(outcome);
        // All closed: the count is back to zero, so two more fit and a third does not.
        await sleep(100);
        const again: Promise<ClientView>[] = [];
        for (let i = 0; i < 3; i++) {
          again.push(
            clientSession(side.port, async (s) => {
              s.write(`d${i}`);
              await sleep(300);
              s.end();
            }),
          );
          await sleep(60);
        }
        return [...first, ...(await Promise.all(again)).map(outcome)];
      });
      expect(r.hp).toEqual(['s1:c0 end', 's1:c1 end', '- reset', '- reset', 's1:d0 end', 's1:d1 end', '- reset']);
      expect(r.dl).toEqual(r.hp);
    } finally {
      await pair.stop();
    }
  });
});
