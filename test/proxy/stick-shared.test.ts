import { describe, it, expect } from 'vitest';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { StickHost } from '../../src/proxy/stick/stick-host.js';
import { installStickWorker, makeStickTable, runStickAttempt, StickPending } from '../../src/proxy/stick/stick-shared.js';
import { RemoteStickTable } from '../../src/proxy/stick/remote-stick-table.js';

/**
 * The replay protocol of shared tables, with the primary's host and a
 * worker's table in one process: the channel delivers asynchronously, as
 * the cluster IPC does.
 */
const config = ConfigParser.parseText(
  `defaults
  mode http
  timeout client 1s
  timeout server 1s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:1
  stick-table type ip size 10 expire 30s store http_req_cnt,gpc0,conn_cur
`,
  'x.cfg',
);

const host = new StickHost();
host.load(config);
let sent = 0;
const deliver = installStickWorker((m) => {
  sent += (m as { ops: unknown[] }).ops.length;
  setImmediate(() => host.handle(m, (r) => setImmediate(() => deliver(r))));
});
const t = makeStickTable(config.frontends[0]!.stickTable!);
const primary = () => host.table('fe')!;
const settle = () => new Promise((r) => setTimeout(r, 20));

/** Runs attempts until the request stops waiting; returns the result and how many attempts it took. */
async function route<T>(owner: object, fn: () => T): Promise<{ value: T; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const r = runStickAttempt(owner, fn);
    if (!(r instanceof StickPending)) return { value: r, attempts };
    await r.promise;
  }
}

describe('shared stick tables (worker side against the primary)', () => {
  it('a worker process gets views of the primary tables', () => {
    expect(t).toBeInstanceOf(RemoteStickTable);
  });

  it('tracking waits for the primary once; the replay reads the primary answer', async () => {
    const { value, attempts } = await route({}, () => {
      const e = t.track('10.0.0.1')!;
      return t.read(e, 'http_req_cnt');
    });
    expect(value).toBe(1);
    expect(attempts).toBe(2);
    expect(primary().lookup('10.0.0.1')!.n).toMatchObject({ http_req_cnt: 1, conn_cur: 1 });
  });

  it('an update made before a later wait is applied once, and the replay sees the same values as the first attempt', async () => {
    const seen: (number | undefined)[] = [];
    const before = sent;
    const { value, attempts } = await route({}, () => {
      const e = t.track('10.0.0.2')!;
      seen.push(t.read(e, 'gpc0'));
      t.incGpc(e, 0);
      const other = t.lookup('10.0.0.1');
      return [t.read(e, 'gpc0'), other?.n.http_req_cnt];
    });
    await settle();
    expect(attempts).toBe(3);
    expect(seen).toEqual([0, 0]);
    expect(value).toEqual([1, 1]);
    expect(primary().lookup('10.0.0.2')!.n.gpc0).toBe(1);
    // track, inc, lookup: three operations sent although the rules ran three times.
    expect(sent - before).toBe(3);
  });

  it('ending a request releases the entry in the primary', async () => {
    const { value: e } = await route({}, () => t.track('10.0.0.3')!);
    expect(primary().lookup('10.0.0.3')!.n.conn_cur).toBe(1);
    t.releaseRequest(e, { bytesIn: 10, bytesOut: 20, status: 200 });
    await settle();
    expect(primary().lookup('10.0.0.3')!.n.conn_cur).toBe(0);
    expect(primary().lookup('10.0.0.3')!.ref).toBe(0);
  });

  it('table_cnt is the primary count', async () => {
    const { value } = await route({}, () => t.count());
    expect(value).toBe(primary().count());
  });
});
