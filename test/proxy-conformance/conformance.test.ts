import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { startEchoServer, freePort, type EchoServer } from '../proxy/support/echo-servers.js';
import { haproxyAvailability, startHaproxy } from '../proxy/support/haproxy-process.js';
import { send, sendH2, type ClientResponse } from '../proxy/support/http-client.js';

/**
 * Differential tests: every file in cases/ holds an haproxy.cfg snippet and
 * requests. The same requests go through real HAProxy and through docklab's
 * proxy; status, the server that answered and the headers it received must
 * be the same. Adding a case is adding a YAML file.
 */

interface CaseRequest { method?: string; path?: string; headers?: Record<string, string>; body?: string; repeat?: number }
interface ConformanceCase {
  description: string;
  cfg: string;
  standalone?: boolean;
  servers?: string[];
  unhealthy?: string[];
  waitMs?: number;
  tls?: boolean;
  h2?: boolean;
  requests: CaseRequest[];
  compare?: { status?: boolean; server?: boolean | 'set'; requestHeaders?: boolean | string[]; responseHeaders?: string[]; body?: boolean };
}

interface Observation { status: number; server: string; requestHeaders?: Record<string, unknown>; responseHeaders?: Record<string, unknown>; body?: string; method?: string; url?: string }

const HEADER = `global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

const casesDir = join(import.meta.dirname, 'cases');
const files = readdirSync(casesDir).filter((f) => f.endsWith('.yaml')).sort();
const availability = haproxyAvailability();
if (!availability.available) console.warn(availability.message);

let workDir: string;
let certFile: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'docklab-conformance-'));
  const key = join(workDir, 'key.pem');
  const crt = join(workDir, 'crt.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  certFile = join(workDir, 'site.pem');
  writeFileSync(certFile, readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
});

afterAll(() => {});

function render(c: ConformanceCase, fePort: number, servers: EchoServer[], downPort: number): string {
  let text = (c.standalone ? '' : HEADER) + c.cfg;
  text = text.replace(/@FE/g, `127.0.0.1:${fePort}`).replace(/@CERT/g, certFile).replace(/@DOWN/g, `127.0.0.1:${downPort}`);
  servers.forEach((s, i) => { text = text.replace(new RegExp(`@S${i + 1}\\b`, 'g'), `127.0.0.1:${s.port}`); });
  return text;
}

function normalise(value: unknown, port: number): unknown {
  if (typeof value === 'string') return value.split(String(port)).join('PORT');
  if (Array.isArray(value)) return value.map((v) => normalise(v, port));
  return value;
}

function observe(res: ClientResponse, c: ConformanceCase, port: number): Observation {
  const cmp = c.compare ?? {};
  let echo: { server?: string; headers?: Record<string, unknown>; method?: string; url?: string } = {};
  try { echo = JSON.parse(res.body) as typeof echo; } catch { /* not from an echo server */ }
  const o: Observation = { status: res.status, server: echo.server ?? (typeof res.headers['x-served-by'] === 'string' ? res.headers['x-served-by'] : '-') };
  if (echo.headers && cmp.requestHeaders !== false) {
    const h: Record<string, unknown> = {};
    const wanted = Array.isArray(cmp.requestHeaders) ? cmp.requestHeaders : Object.keys(echo.headers);
    for (const k of wanted) if (k !== 'connection') h[k] = normalise(echo.headers[k], port);
    o.requestHeaders = h;
    o.method = echo.method;
    o.url = echo.url;
  }
  if (cmp.responseHeaders) {
    const h: Record<string, unknown> = {};
    for (const k of cmp.responseHeaders) h[k] = normalise(res.headers[k], port);
    o.responseHeaders = h;
  }
  if (cmp.body) o.body = normalise(res.body, port) as string;
  return o;
}

async function runAgainst(kind: 'haproxy' | 'docklab', c: ConformanceCase): Promise<Observation[]> {
  const names = c.servers ?? ['s1', 's2', 's3'];
  const servers = await Promise.all(names.map((n) => startEchoServer(n)));
  for (const s of servers) if (c.unhealthy?.includes(s.name)) s.healthy = false;
  const fePort = await freePort();
  const downPort = await freePort();
  const cfgFile = join(workDir, `${kind}-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(cfgFile, render(c, fePort, servers, downPort));
  let stop: () => Promise<void>;
  if (kind === 'haproxy') {
    const hp = await startHaproxy(cfgFile, fePort);
    stop = hp.stop;
  } else {
    const proxy = await startProxyFromFile(cfgFile, { onLog: () => {}, onWarning: () => {} });
    stop = () => proxy.close();
  }
  try {
    if (c.waitMs) await new Promise((r) => setTimeout(r, c.waitMs));
    const out: Observation[] = [];
    for (const r of c.requests) {
      for (let i = 0; i < (r.repeat ?? 1); i++) {
        const res = c.h2 ? await sendH2(fePort, r) : await send(fePort, { ...r, tls: c.tls ?? false });
        out.push(observe(res, c, fePort));
      }
    }
    return out;
  } finally {
    await stop();
    await Promise.all(servers.map((s) => s.close()));
  }
}

describe.skipIf(!availability.available)('HAProxy conformance', () => {
  it('has at least 60 cases', () => { expect(files.length).toBeGreaterThanOrEqual(60); });
  for (const file of files) {
    const c = parseYaml(readFileSync(join(casesDir, file), 'utf8')) as ConformanceCase;
    it(`${file}: ${c.description}`, async () => {
      const reference = await runAgainst('haproxy', c);
      const ours = await runAgainst('docklab', c);
      let got = ours; let want = reference;
      if (c.compare?.server === 'set') {
        const sortKey = (o: Observation) => JSON.stringify(o);
        got = [...ours].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
        want = [...reference].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      }
      expect(got).toEqual(want);
    });
  }
});
