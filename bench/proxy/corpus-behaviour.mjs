// Runs each real-world config that both HAProxy and docklab accept (as measured
// by corpus-acceptance.mjs) under both proxies in turn, sends the same few
// requests to every frontend and compares status code, Location, the response
// headers the config sets, and what the echo server saw (URL, Host,
// X-Forwarded-For/-Proto, X-Real-IP).
//
// Usage: node bench/proxy/corpus-behaviour.mjs OUT_DIR_OF_corpus-acceptance [--only SUBSTR] [--json]
//          [--entry node_modules/.cache/docklab-corpus-build/src/proxy/main.js]
//
// Everything stays on 127.0.0.1: servers point at a local echo server (plain
// and TLS), log targets, name servers and peers are forced to loopback, and
// every request has a short timeout. Requests per frontend: GET / and, taken
// from the frontend's own ACLs, up to two paths and two Host values.
import { spawn } from 'node:child_process';
import { createServer as createHttp, request as httpRequest } from 'node:http';
import { createServer as createHttps, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const valued = new Set(['--only', '--entry', '--haproxy']);
const positional = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
if (positional.length !== 1) {
  process.stderr.write('usage: node bench/proxy/corpus-behaviour.mjs ACCEPTANCE_OUT_DIR [--only SUBSTR] [--json]\n');
  process.exit(2);
}
const outDir = resolve(positional[0]);
const only = opt('only', '');
const asJson = args.includes('--json');
const HAPROXY = opt('haproxy', process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy');
const entry = resolve(opt('entry', join(root, 'node_modules', '.cache', 'docklab-corpus-build', 'src', 'proxy', 'main.js')));
const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')).results;
const aux = join(outDir, 'aux');
const certPem = join(aux, 'cert.pem');
const behaveDir = join(outDir, 'behaviour');
mkdirSync(behaveDir, { recursive: true });

// ---------- echo servers ----------
function echo(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const h = req.headers;
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      host: h.host ?? null,
      xff: h['x-forwarded-for'] ?? null,
      xfp: h['x-forwarded-proto'] ?? null,
      xrip: h['x-real-ip'] ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
const plain = createHttp(echo);
const tls = createHttps({ cert: readFileSync(certPem), key: readFileSync(certPem) }, echo);
await new Promise((r) => plain.listen(0, '127.0.0.1', r));
await new Promise((r) => tls.listen(0, '127.0.0.1', r));
const ECHO = plain.address().port;
const ECHO_TLS = tls.address().port;

// ---------- config variant for a live run ----------
const isLoopback = (a) => /^(127\.|localhost|\[?::1\]?)/.test(a);
function liveVariant(text) {
  const out = [];
  const fronts = [];
  let section = '';
  let cur = null;
  // Response headers the config sets anywhere: their values are compared too.
  const resHeaders = [...new Set([...text.matchAll(/http-(?:response|after-response)\s+(?:set|add)-header\s+(\S+)/g)].map((m) => m[1].toLowerCase()))];
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    const ws = t.split(/\s+/);
    const kw = ws[0];
    if (/^(global|defaults|frontend|backend|listen|peers|resolvers|userlist|mailers|cache|http-errors|program|ring)$/.test(kw)) {
      section = kw;
      cur = kw === 'frontend' || kw === 'listen' ? { name: ws[1], binds: [], paths: [], hosts: [] } : null;
      if (cur) cur.resHeaders = resHeaders;
      if (cur) fronts.push(cur);
      out.push(raw);
      continue;
    }
    if (!t || t.startsWith('#')) {
      out.push(raw);
      continue;
    }
    if (kw === 'server' || kw === 'server-template') {
      const tlsServer = /\sssl(\s|$)/.test(t);
      out.push(raw.replace(/127\.0\.0\.1(:\d+)?(?=\s|$)/, `127.0.0.1:${tlsServer ? ECHO_TLS : ECHO}`));
      continue;
    }
    // The file-descriptor limit here is lower than big real-world maxconn values need.
    if (section === 'global' && kw === 'maxconn' && Number(ws[1]) > 4000) {
      out.push('    maxconn 4000');
      continue;
    }
    if (section === 'global' && kw === 'ulimit-n') {
      out.push(`    # ${t}`);
      continue;
    }
    if (kw === 'parse-resolv-conf') {
      out.push('    nameserver local 127.0.0.1:1');
      continue;
    }
    if (kw === 'nameserver' && ws[2] && !isLoopback(ws[2].replace(/^"/, ''))) {
      out.push(`    nameserver ${ws[1]} 127.0.0.1:1`);
      continue;
    }
    if (kw === 'log' && ws[1] && /^\d+\.\d+\.\d+\.\d+/.test(ws[1]) && !isLoopback(ws[1])) {
      out.push(raw.replace(ws[1], '127.0.0.1'));
      continue;
    }
    if (cur && kw === 'bind') {
      const m = ws[1]?.match(/^127\.0\.0\.1:(\d+)$/);
      if (m) cur.binds.push({ port: Number(m[1]), tls: /\sssl(\s|$)/.test(t) });
    }
    if (cur && kw === 'acl') {
      const fetch = ws[2] ?? '';
      const values = ws.slice(3).filter((v) => !v.startsWith('-') && !/^(if|unless)$/.test(v));
      if (/^path(_beg|_dir)?$/.test(fetch) || fetch === 'path_end') for (const v of values) if (v.startsWith('/') && cur.paths.length < 2) cur.paths.push(v);
      if (/^(hdr|req\.hdr|hdr_beg|hdr_end|hdr_dom)\((host|Host)\)/.test(fetch))
        for (const v of values) if (cur.hosts.length < 2 && /^[A-Za-z0-9.-]+$/.test(v)) cur.hosts.push(v);
    }
    out.push(raw);
  }
  return { text: out.join('\n'), fronts: fronts.filter((f) => f.binds.length > 0) };
}

// ---------- running ----------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function portOpen(port) {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
    s.setTimeout(300, () => {
      s.destroy();
      res(false);
    });
  });
}
async function start(cmd, argv, ports) {
  // Own process group, so that a proxy's workers can be stopped with it.
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr.on('data', (d) => {
    if (err.length < 4000) err += d;
  });
  for (let i = 0; i < 40; i++) {
    if (child.exitCode !== null) break;
    const up = await Promise.all(ports.map(portOpen));
    if (up.every(Boolean)) {
      await sleep(150);
      return { child, err: () => err };
    }
    await sleep(100);
  }
  return { child, err: () => err, failed: true };
}
function stop(child) {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, 2000);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
    child.kill('SIGTERM');
  });
}
let resHeaderNames = [];
function get(bind, path, host) {
  return new Promise((res) => {
    const req = (bind.tls ? httpsRequest : httpRequest)(
      {
        host: '127.0.0.1',
        port: bind.port,
        path,
        method: 'GET',
        headers: { host, connection: 'close' },
        rejectUnauthorized: false,
        servername: host && /[a-z]/i.test(host) ? host : undefined,
        timeout: 3000,
        agent: false,
      },
      (r) => {
        let body = '';
        r.setEncoding('latin1');
        r.on('data', (c) => {
          if (body.length < 4096) body += c;
        });
        r.on('end', () => {
          let seen = null;
          try {
            const j = JSON.parse(body);
            if (j && 'xfp' in j) seen = { url: j.url, host: j.host, xff: j.xff, xfp: j.xfp, xrip: j.xrip };
          } catch {
            /* not the echo server's answer */
          }
          const headers = Object.fromEntries(resHeaderNames.map((n) => [n, r.headers[n] ?? null]));
          res({ status: r.statusCode, location: r.headers.location ?? null, seen, headers });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      res({ status: 'timeout' });
    });
    req.on('error', (e) => res({ status: `error:${e.code ?? e.message}` }));
    req.end();
  });
}
async function exercise(fronts) {
  const seen = [];
  resHeaderNames = fronts[0]?.resHeaders ?? [];
  for (const f of fronts) {
    for (const b of f.binds) {
      const probes = [['/', 'localhost'], ...f.paths.map((p) => [p, 'localhost']), ...f.hosts.map((h) => ['/', h])];
      for (const [path, host] of probes) seen.push({ frontend: f.name, port: b.port, tls: b.tls, path, host, ...(await get(b, path, host)) });
    }
  }
  return seen;
}

const picked = results.filter((r) => r.haproxyOk && r.docklabOk && r.file.includes(only));
const report = [];
for (const r of picked) {
  const src = join(outDir, r.file);
  if (!existsSync(src)) continue;
  const { text, fronts } = liveVariant(readFileSync(src, 'utf8'));
  const file = join(behaveDir, r.file);
  writeFileSync(file, text);
  const ports = fronts.flatMap((f) => f.binds.map((b) => b.port));
  const row = { file: r.file, requests: 0 };
  if (ports.length === 0) {
    row.skipped = 'no frontend';
    report.push(row);
    continue;
  }
  const ha = await start(HAPROXY, ['-db', '-f', file], ports);
  const haSeen = ha.failed ? null : await exercise(fronts);
  await stop(ha.child);
  for (let i = 0; i < 30 && (await Promise.all(ports.map(portOpen))).some(Boolean); i++) await sleep(100);
  const dl = await start(process.execPath, [entry, '-f', file], ports);
  const dlSeen = dl.failed ? null : await exercise(fronts);
  await stop(dl.child);
  for (let i = 0; i < 30 && (await Promise.all(ports.map(portOpen))).some(Boolean); i++) await sleep(100);
  if (!haSeen) {
    row.skipped = `haproxy did not start: ${
      ha
        .err()
        .split('\n')
        .filter((l) => /ALERT/.test(l))[0] ?? ''
    }`;
    report.push(row);
    continue;
  }
  if (!dlSeen) {
    row.alike = false;
    row.diff = [`docklab did not start: ${dl.err().split('\n')[0]}`];
    report.push(row);
    continue;
  }
  row.requests = haSeen.length;
  row.haproxy2xx = haSeen.filter((h) => typeof h.status === 'number' && h.status < 300).length;
  const describe = (x) => `${x.status}${x.location ? ' ' + x.location : ''}`;
  row.diff = [];
  haSeen.forEach((h, i) => {
    const d = dlSeen[i];
    const what = `${h.frontend} ${h.tls ? 'https' : 'http'} GET ${h.path} Host:${h.host}`;
    if (h.status !== d.status || h.location !== d.location) {
      row.diff.push(`${what} -> haproxy ${describe(h)} / docklab ${describe(d)}`);
      return;
    }
    // Same answer: also compare what the server saw and the response headers the config sets.
    if (h.seen && d.seen && JSON.stringify(h.seen) !== JSON.stringify(d.seen))
      row.diff.push(`${what}: server saw ${JSON.stringify(h.seen)} via haproxy, ${JSON.stringify(d.seen)} via docklab`);
    for (const n of Object.keys(h.headers ?? {}))
      if (h.headers[n] !== d.headers?.[n])
        row.diff.push(`${what}: response ${n}: haproxy ${JSON.stringify(h.headers[n])} / docklab ${JSON.stringify(d.headers?.[n])}`);
  });
  row.alike = row.diff.length === 0;
  report.push(row);
  if (!asJson) process.stderr.write(`${row.alike ? 'same' : 'DIFF'} ${r.file}${row.alike ? '' : '  ' + row.diff[0]}\n`);
}
plain.close();
tls.close();

const ran = report.filter((r) => !r.skipped);
const alike = ran.filter((r) => r.alike);
const summary = {
  when: new Date().toISOString(),
  candidates: picked.length,
  ran: ran.length,
  alike: alike.length,
  skipped: report.filter((r) => r.skipped),
  report,
};
writeFileSync(join(outDir, 'behaviour.json'), JSON.stringify(summary, null, 2));
if (asJson) {
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exit(0);
}
const requests = ran.reduce((n, r) => n + r.requests, 0);
const ok2xx = ran.reduce((n, r) => n + (r.haproxy2xx ?? 0), 0);
process.stdout.write(`accepted by both: ${picked.length}   ran under both: ${ran.length}   same status/Location for every request: ${alike.length}\n`);
process.stdout.write(`requests: ${requests} (HAProxy answered 2xx to ${ok2xx})\n`);
for (const r of ran.filter((x) => !x.alike)) process.stdout.write(`  ${r.file}: ${r.diff.slice(0, 3).join(' | ')}\n`);
for (const r of summary.skipped) process.stdout.write(`  skipped ${r.file}: ${r.skipped}\n`);
process.exit(0);
