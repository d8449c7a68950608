import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { freePort } from '../proxy/support/echo-servers.js';
import { haproxyAvailability, startHaproxy } from '../proxy/support/haproxy-process.js';
import { makeCertificate, runTcpClient, startTcpEchoServer, type TcpEchoServer } from '../proxy/support/tcp-servers.js';

/**
 * Differential tests for `mode tcp`: each file in tcp-cases/ holds a config
 * and client connections. The same connections go through real HAProxy and
 * docklab's proxy; what each client read, how its connection ended, which
 * server saw it and the exact bytes that server received (PROXY headers
 * included, with the ports that differ between runs written as names) must
 * be the same.
 */

interface CaseConnection {
  /** Chunks sent one after another (text; `hex:` prefix for bytes). */
  send?: string[];
  gapMs?: number;
  end?: boolean;
  tls?: { sni?: string };
  repeat?: number;
  /** How long the client waits for the proxy to close (default 5 s). */
  timeoutMs?: number;
}

interface TcpCase {
  description: string;
  cfg: string;
  servers?: string[];
  /** TLS echo servers; each shows a certificate with CN=NAME.test. */
  tlsServers?: string[];
  waitMs?: number;
  /** Files written next to the config; `@FILES` in the config names their folder. */
  files?: Record<string, string>;
  connections: CaseConnection[];
}

interface Observation {
  client: string;
  ending: string;
  server: string;
  serverGot: string;
  peerCn?: string;
}

const HEADER = `global
  maxconn 512
defaults
  mode tcp
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

const casesDir = join(import.meta.dirname, 'tcp-cases');
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const availability = haproxyAvailability();
if (!availability.available) console.warn(availability.message);

let workDir: string;
let frontCert: string;
const serverCerts = new Map<string, { cert: string; key: string }>();

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'docklab-tcp-conformance-'));
  frontCert = makeCertificate(workDir, 'front.test').pemFile;
  for (const n of ['t1', 't2', 't3']) serverCerts.set(n, makeCertificate(workDir, `${n}.test`));
});

function bytes(text: string): Buffer {
  return text.startsWith('hex:') ? Buffer.from(text.slice(4).replace(/\s+/g, ''), 'hex') : Buffer.from(text, 'latin1');
}

/** Text when printable, hex otherwise; ports that change from run to run replaced by names. */
function show(buf: Buffer, ports: Record<string, number>): string {
  const printable = /^[\x20-\x7e\r\n]*$/.test(buf.toString('latin1'));
  let text = printable ? buf.toString('latin1') : `hex:${buf.toString('hex')}`;
  for (const [name, port] of Object.entries(ports)) {
    if (!port) continue;
    text = printable ? text.split(String(port)).join(name) : text.split(port.toString(16).padStart(4, '0')).join(`<${name}>`);
  }
  return text;
}

/** One connection opened and dropped, whatever the proxy does with it. */
function probeOnce(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve();
    });
    s.on('error', () => resolve());
  });
}

async function runAgainst(kind: 'haproxy' | 'docklab', c: TcpCase): Promise<Observation[]> {
  const servers: TcpEchoServer[] = [
    ...(await Promise.all((c.servers ?? ['s1', 's2']).map((n) => startTcpEchoServer(n)))),
    ...(await Promise.all((c.tlsServers ?? []).map((n) => startTcpEchoServer(n, serverCerts.get(n))))),
  ];
  const fePort = await freePort();
  const fe2Port = await freePort();
  const filesDir = mkdtempSync(join(workDir, 'files-'));
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(filesDir, name), content);
  let text = HEADER + c.cfg;
  text = text.replace(/@FILES/g, filesDir);
  text = text.replace(/@FE2/g, `127.0.0.1:${fe2Port}`).replace(/@FE/g, `127.0.0.1:${fePort}`).replace(/@CERT/g, frontCert);
  for (const s of servers) text = text.replace(new RegExp(`@${s.name.toUpperCase()}\\b`, 'g'), `127.0.0.1:${s.port}`);
  const cfgFile = join(workDir, `${kind}-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(cfgFile, text);
  let stop: () => Promise<void>;
  if (kind === 'haproxy') stop = (await startHaproxy(cfgFile, fePort)).stop;
  else {
    const p = await startProxyFromFile(cfgFile, { onLog: () => {}, onWarning: () => {} });
    stop = () => p.close();
    // The same readiness probe HAProxy's start made, so that balancing starts from the same place.
    await probeOnce(fePort);
  }
  try {
    // The readiness probe that found the port open may still be reaching a server: let it land first.
    await new Promise((r) => setTimeout(r, 200));
    if (c.waitMs) await new Promise((r) => setTimeout(r, c.waitMs));
    const out: Observation[] = [];
    for (const conn of c.connections) {
      for (let i = 0; i < (conn.repeat ?? 1); i++) {
        const before = servers.map((s) => s.seen.length);
        const res = await runTcpClient(fePort, {
          chunks: (conn.send ?? []).map(bytes),
          gapMs: conn.gapMs ?? 50,
          end: conn.end ?? true,
          ...(conn.tls ? { tls: conn.tls } : {}),
          ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}),
        });
        await new Promise((r) => setTimeout(r, 30));
        const hit = servers.flatMap((s, k) => s.seen.slice(before[k]));
        const ports = { CPORT: res.localPort, FEPORT: fePort };
        const o: Observation = {
          client: show(res.received, ports),
          ending: res.ending,
          server: hit.map((h) => h.server).join(',') || '-',
          serverGot: hit.map((h) => show(h.received, ports)).join(' | '),
        };
        if (res.peerCn !== undefined) o.peerCn = res.peerCn;
        out.push(o);
      }
    }
    return out;
  } finally {
    await stop();
    await Promise.all(servers.map((s) => s.close()));
  }
}

describe.skipIf(!availability.available)('HAProxy conformance in TCP mode', () => {
  it('has cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const file of files) {
    const c = parseYaml(readFileSync(join(casesDir, file), 'utf8')) as TcpCase;
    it(`${file}: ${c.description}`, async () => {
      const reference = await runAgainst('haproxy', c);
      const ours = await runAgainst('docklab', c);
      if (process.env.DOCKLAB_TCP_CASES_PRINT) console.log(file, JSON.stringify(reference, null, 1));
      expect(ours).toEqual(reference);
    });
  }
});
