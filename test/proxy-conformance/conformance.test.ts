import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { startProxyFromFile } from '../../src/proxy/index.js';
import { startEchoServer, startSecureEchoServer, freePort, type EchoServer } from '../proxy/support/echo-servers.js';
import { haproxyAvailability, startHaproxy } from '../proxy/support/haproxy-process.js';
import { send, sendH2, type ClientResponse } from '../proxy/support/http-client.js';

/**
 * Differential tests: every file in cases/ holds an haproxy.cfg snippet and
 * requests. The same requests go through real HAProxy and through docklab's
 * proxy; status, the server that answered and the headers it received must
 * be the same. Adding a case is adding a YAML file.
 */

interface CaseRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  repeat?: number;
  /** Pause before the request (before the first of its repeats), e.g. to let a rate period slide or an entry expire. */
  delayMs?: number;
  /**
   * Bytes sent on a fresh TCP connection instead of an HTTP client request;
   * the observation is then the exact response bytes and whether the proxy
   * closed the connection within `rawWaitMs` (default 400 ms).
   */
  raw?: string;
  rawWaitMs?: number;
  /** TLS cases: present a client certificate (`alice`: signed by @CA; `intruder`: self-signed), send this SNI name. */
  clientCert?: 'alice' | 'intruder';
  sni?: string;
  /** The TLS handshake or the connection may fail: observed as status 0 instead of failing the case. */
  mayFail?: boolean;
}
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
  /** Servers that answer over TLS with the case certificate (`@SRVCA` is its CA file, `@OTHERCA` an unrelated one). */
  tlsServers?: string[];
  /** Servers that answer over TLS with HTTP/2 and HTTP/1.1 (ALPN). */
  h2Servers?: string[];
  /** Servers that answer HTTP/2 without TLS (h2c). */
  h2cServers?: string[];
  /** Extra files (map files, ACL pattern files) written next to the configuration; `@FILES` in cfg names their folder. */
  files?: Record<string, string>;
  compare?: {
    status?: boolean;
    server?: boolean | 'set';
    requestHeaders?: boolean | string[];
    responseHeaders?: string[];
    body?: boolean;
    /** Regular expressions tested against the response body; each gives true or false (e.g. whether a version is shown). */
    bodyMatches?: string[];
    /** A regular expression run over the body (global, multiline): the list of its matches, capture groups joined by '|', sorted unless `bodyExtractOrdered`. */
    bodyExtract?: string;
    bodyExtractOrdered?: boolean;
    /** Response headers compared only for being there (values that depend on timing, such as Age). */
    responseHeadersPresent?: string[];
    /** Response headers tested against a regular expression (true/false), e.g. an Age within a second of 5. */
    responseHeaderPatterns?: Record<string, string>;
  };
}

interface Observation {
  raw?: string;
  closed?: boolean;
  status: number;
  server: string;
  requestHeaders?: Record<string, unknown>;
  responseHeaders?: Record<string, unknown>;
  body?: string;
  method?: string;
  url?: string;
  bodyMatches?: boolean[];
  bodyExtract?: string[];
  headersPresent?: Record<string, boolean>;
  headerPatterns?: Record<string, boolean>;
}

const HEADER = `global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

const casesDir = join(import.meta.dirname, 'cases');
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const availability = haproxyAvailability();
if (!availability.available) console.warn(availability.message);

let workDir: string;
let certFile: string;
let caFile: string;
let otherCaFile: string;
let serverTls: { cert: string; key: string };

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'docklab-conformance-'));
  const key = join(workDir, 'key.pem');
  const crt = join(workDir, 'crt.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=localhost'], {
    stdio: 'ignore',
  });
  certFile = join(workDir, 'site.pem');
  writeFileSync(certFile, readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
  caFile = crt;
  serverTls = { cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') };
  otherCaFile = join(workDir, 'other-ca.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(workDir, 'other-key.pem'), '-out', otherCaFile, '-days', '2', '-subj', '/CN=localhost'],
    { stdio: 'ignore' },
  );
});

afterAll(() => {});

/** A CA (@CA in cfg), a client certificate it signed (alice) and an untrusted self-signed one (intruder), made on first use. */
let clientPki: { ca: string; alice: { cert: string; key: string }; intruder: { cert: string; key: string } } | undefined;
function ensureClientPki(): NonNullable<typeof clientPki> {
  if (clientPki) return clientPki;
  const f = (n: string) => join(workDir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Docklab Test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('alice.key'), '-out', f('alice.csr'), '-subj', '/C=FR/O=Acme Corp/CN=alice']);
  run(['x509', '-req', '-in', f('alice.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('alice.pem'), '-days', '2']);
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('intruder.key'),
    '-out',
    f('intruder.pem'),
    '-days',
    '2',
    '-subj',
    '/O=Other/CN=intruder',
  ]);
  const read = (n: string) => readFileSync(f(n), 'utf8');
  clientPki = {
    ca: f('ca.pem'),
    alice: { cert: read('alice.pem'), key: read('alice.key') },
    intruder: { cert: read('intruder.pem'), key: read('intruder.key') },
  };
  return clientPki;
}

function render(c: ConformanceCase, fePort: number, servers: EchoServer[], downPort: number, kind: 'haproxy' | 'docklab'): string {
  let text = (c.standalone ? '' : HEADER) + c.cfg;
  if (c.files) {
    // One folder per proxy: both run a case at the same time and must not read a file the other is rewriting.
    const dir = join(workDir, `files-${kind}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(c.files)) writeFileSync(join(dir, name), content.replace(/@CERT/g, certFile));
    text = text.replace(/@FILES/g, dir);
  }
  // Before @CA: the servers' CA and an unrelated one, for TLS to servers.
  text = text.replace(/@SRVCA\b/g, caFile).replace(/@OTHERCA\b/g, otherCaFile);
  if (text.includes('@CA')) text = text.replace(/@CA\b/g, ensureClientPki().ca);
  text = text.replace(/@FE/g, `127.0.0.1:${fePort}`).replace(/@CERT/g, certFile).replace(/@DOWN/g, `127.0.0.1:${downPort}`);
  // @S1PORT is the port alone (for host names such as localhost:@S1PORT).
  servers.forEach((s, i) => {
    text = text.replace(new RegExp(`@S${i + 1}PORT\\b`, 'g'), String(s.port));
  });
  servers.forEach((s, i) => {
    text = text.replace(new RegExp(`@S${i + 1}\\b`, 'g'), `127.0.0.1:${s.port}`);
  });
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
  try {
    echo = JSON.parse(res.body) as typeof echo;
  } catch {
    /* not from an echo server */
  }
  const o: Observation = { status: res.status, server: echo.server ?? (typeof res.headers['x-served-by'] === 'string' ? res.headers['x-served-by'] : '-') };
  if (echo.headers && cmp.requestHeaders !== false) {
    const h: Record<string, unknown> = {};
    const wanted = Array.isArray(cmp.requestHeaders) ? cmp.requestHeaders : Object.keys(echo.headers);
    // The client's own Connection header says nothing about the proxy; a case that lists it explicitly compares what the server got.
    for (const k of wanted) if (k !== 'connection' || Array.isArray(cmp.requestHeaders)) h[k] = normalise(echo.headers[k], port);
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
  if (cmp.responseHeadersPresent) o.headersPresent = Object.fromEntries(cmp.responseHeadersPresent.map((k) => [k, res.headers[k] !== undefined]));
  if (cmp.responseHeaderPatterns)
    o.headerPatterns = Object.fromEntries(Object.entries(cmp.responseHeaderPatterns).map(([k, r]) => [k, new RegExp(r).test(String(res.headers[k] ?? ''))]));
  if (cmp.bodyMatches) o.bodyMatches = cmp.bodyMatches.map((r) => new RegExp(r, 'm').test(res.body));
  if (cmp.bodyExtract) {
    const found = [...res.body.matchAll(new RegExp(cmp.bodyExtract, 'gm'))].map((m) => (m.length > 1 ? m.slice(1).join('|') : m[0]));
    o.bodyExtract = cmp.bodyExtractOrdered ? found : [...new Set(found)].sort();
  }
  return o;
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

/** Sends raw bytes; returns what came back and whether the proxy closed within waitMs. */
function rawRequest(port: number, payload: string, waitMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let text = '';
    let closed = false;
    const finish = () => {
      clearTimeout(t);
      s.destroy();
      resolve({ text, closed });
    };
    const t = setTimeout(finish, waitMs);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    s.on('end', () => {
      closed = true;
      finish();
    });
    s.on('error', () => {
      closed = true;
      finish();
    });
    s.write(payload, 'latin1');
  });
}

async function runAgainst(kind: 'haproxy' | 'docklab', c: ConformanceCase): Promise<Observation[]> {
  const names = c.servers ?? ['s1', 's2', 's3'];
  const servers = await Promise.all(
    names.map((n) => {
      if (c.tlsServers?.includes(n)) return startSecureEchoServer(n, serverTls);
      if (c.h2Servers?.includes(n)) return startSecureEchoServer(n, { ...serverTls, h2: true });
      if (c.h2cServers?.includes(n)) return startSecureEchoServer(n, { h2c: true });
      return startEchoServer(n);
    }),
  );
  for (const s of servers) if (c.unhealthy?.includes(s.name)) s.healthy = false;
  const fePort = await freePort();
  const downPort = await freePort();
  const cfgFile = join(workDir, `${kind}-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(cfgFile, render(c, fePort, servers, downPort, kind));
  let stop: () => Promise<void>;
  if (kind === 'haproxy') {
    const hp = await startHaproxy(cfgFile, fePort);
    stop = hp.stop;
  } else {
    const proxy = await startProxyFromFile(cfgFile, { onLog: () => {}, onWarning: () => {} });
    stop = () => proxy.close();
    // HAProxy's start was detected by a connection opened and dropped: make the same one, since
    // connection-level counters (tcp-request connection track-sc) see it.
    await probeOnce(fePort);
  }
  try {
    if (c.waitMs) await new Promise((r) => setTimeout(r, c.waitMs));
    const out: Observation[] = [];
    for (const r of c.requests) {
      if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
      for (let i = 0; i < (r.repeat ?? 1); i++) {
        if (r.raw !== undefined) {
          const { text, closed } = await rawRequest(fePort, r.raw, r.rawWaitMs ?? 400);
          out.push({ raw: normalise(text, fePort) as string, closed, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), server: '-' });
          continue;
        }
        const client = r.clientCert ? ensureClientPki()[r.clientCert] : undefined;
        const tlsExtra = { ...(client ? { cert: client.cert, key: client.key } : {}), ...(r.sni !== undefined ? { servername: r.sni } : {}) };
        let res: ClientResponse;
        try {
          res = c.h2 ? await sendH2(fePort, r) : await send(fePort, { ...r, tls: c.tls ?? false, ...tlsExtra });
        } catch (e) {
          if (!r.mayFail) throw e;
          out.push({ status: 0, server: 'connection failed' });
          continue;
        }
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
  it('has at least 60 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });
  for (const file of files) {
    const c = parseYaml(readFileSync(join(casesDir, file), 'utf8')) as ConformanceCase;
    it(`${file}: ${c.description}`, async () => {
      // Both proxies run the case at once, each with its own servers and ports: a case mostly waits (delays, checks, closes), so this halves the suite's time.
      const settled = await Promise.allSettled([runAgainst('haproxy', c), runAgainst('docklab', c)]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      const [reference, ours] = settled.map((r) => (r as PromiseFulfilledResult<Observation[]>).value) as [Observation[], Observation[]];
      let got = ours;
      let want = reference;
      if (c.compare?.server === 'set') {
        const sortKey = (o: Observation) => JSON.stringify(o);
        got = [...ours].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
        want = [...reference].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      }
      expect(got).toEqual(want);
    });
  }
});
