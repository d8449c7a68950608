// Benchmarks docklab's proxy against HAProxy and against the origin directly.
// Usage: npm run bench:proxy [-- --rounds N --duration S --warmup S --workers N --profile --only http|tcp]
// Each proxy is pinned to the same core; wrk and the origin share the other
// core(s). Rounds interleave the targets so that drift in the machine affects
// all of them alike.
import { spawn, execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(`--${name}`);
const rounds = Number(opt('rounds', '2'));
const duration = Number(opt('duration', '10'));
const warmup = Number(opt('warmup', '3'));
const connections = Number(opt('connections', '64'));
const workers = Number(opt('workers', '0'));
const profile = flag('profile');
/** `http` or `tcp` runs only those cases; both by default. */
const only = opt('only', '');
const cores = availableParallelism();
const proxyCore = String(cores - 1);
const loadCores = cores > 1 ? `0-${cores - 2}` : '0';

const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
/** The rate-limited frontend listens this far above each proxy's plain one. */
const RATE_LIMITED_OFFSET = 100;
/** The TCP frontends listen this far above each proxy's plain one: streaming, then connect-per-exchange. */
const TCP_STREAM_OFFSET = 200;
const TCP_CONN_OFFSET = 300;
/** Parallel connections of the TCP cases. */
const TCP_STREAMS = 8;
const TCP_CONNECTORS = 32;
const WRK = process.env.WRK_BIN ?? '/usr/bin/wrk';

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} never opened`);
}

function pinned(core, cmd, cmdArgs, extra = {}) {
  return spawn('taskset', ['-c', core, cmd, ...cmdArgs], { stdio: ['ignore', 'ignore', 'inherit'], ...extra });
}

function wrk(url, seconds) {
  const out = execFileSync('taskset', ['-c', loadCores, WRK, '-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', url], {
    encoding: 'utf8',
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const toMs = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1] ?? '';
  return { rps, p50: pct(50), p99: pct(99), errors: Number(errors), socketErrors, requests };
}

/**
 * CPU seconds (user + system) a process has used so far. CPU time per request
 * is a steadier measure than requests per second when other work shares the
 * machine: it says how many requests one core could carry.
 */
/** One run of bench/proxy/tcp-load.mjs on the load cores. */
function tcpLoad(mode, port, seconds) {
  const out = execFileSync(
    'taskset',
    [
      '-c',
      loadCores,
      process.execPath,
      join(here, 'tcp-load.mjs'),
      mode,
      String(port),
      String(seconds),
      String(mode === 'stream' ? TCP_STREAMS : TCP_CONNECTORS),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * Layer 4: MiB/s read through 64 KiB streams, and connections per second
 * (connect, one byte each way, close), with the CPU each proxy spent per
 * MiB / per connection. Rounds interleave the targets like the HTTP cases.
 */
async function tcpCases(ports, pidOf, median) {
  const cases = [
    ['tcp 64KiB streams', 'stream', TCP_STREAM_OFFSET, ports.tcpOrigin],
    ['tcp connections', 'conn', TCP_CONN_OFFSET, ports.tcpOrigin + 1],
  ];
  // `relay`: a bare Node.js relay (bench/proxy/tcp-relay.mjs), what the runtime itself costs per connection and per MiB.
  const targets = [
    ['origin', 0],
    ['haproxy', ports.haproxy],
    ['relay', ports.relay],
    ['docklab', ports.docklab],
  ];
  const results = {};
  log(`TCP: ${TCP_STREAMS} streams / ${TCP_CONNECTORS} connecting loops, ${duration}s per run after ${warmup}s warm-up, ${rounds} rounds`);
  for (let round = 1; round <= rounds; round++) {
    for (const [label, mode, offset, originPort] of cases) {
      for (const [name, base] of targets) {
        const port = name === 'origin' ? originPort : base + offset;
        if (warmup > 0) tcpLoad(mode, port, warmup);
        const cpuBefore = cpuSeconds(pidOf[name]);
        const r = tcpLoad(mode, port, duration);
        const cpu = cpuSeconds(pidOf[name]) - cpuBefore;
        const mib = r.bytes / 1048576;
        const rate = mode === 'stream' ? mib / r.seconds : r.conns / r.seconds;
        // CPU per unit of work: ms per MiB streamed, µs per connection.
        const cpuPerUnit = mode === 'stream' ? (cpu * 1e3) / mib : (cpu * 1e6) / r.conns;
        (results[`${label}|${name}`] ??= []).push({ rate, cpuPerUnit, errors: r.errors });
        log(
          `round ${round} ${label.padEnd(17)} ${name.padEnd(8)} ${rate.toFixed(1).padStart(9)} ${mode === 'stream' ? 'MiB/s' : 'conn/s'}  cpu ${cpuPerUnit.toFixed(2)} ${mode === 'stream' ? 'ms/MiB' : 'us/conn'}${r.errors ? `  errors ${r.errors}` : ''}`,
        );
      }
    }
  }
  const rows = [];
  for (const [label, mode] of cases) {
    const ha = results[`${label}|haproxy`];
    const haRate = median(ha.map((r) => r.rate));
    const haCpu = median(ha.map((r) => r.cpuPerUnit));
    const relayCpu = median(results[`${label}|relay`].map((r) => r.cpuPerUnit));
    for (const [name] of targets) {
      const rs = results[`${label}|${name}`];
      const rate = median(rs.map((r) => r.rate));
      const cpu = median(rs.map((r) => r.cpuPerUnit));
      rows.push({
        case: label,
        target: name,
        [mode === 'stream' ? 'MiB_s' : 'conn_s']: +rate.toFixed(1),
        vs_haproxy: +(rate / haRate).toFixed(2),
        [mode === 'stream' ? 'cpu_ms_per_MiB' : 'cpu_us_per_conn']: name === 'origin' ? NaN : +cpu.toFixed(2),
        // How much more CPU than HAProxy per unit of work (1 = the same; the goal is at most 2).
        cpu_vs_haproxy: name === 'origin' ? NaN : +(cpu / haCpu).toFixed(2),
        // What docklab adds above a bare Node.js relay (1 = nothing).
        cpu_vs_relay: name === 'origin' ? NaN : +(cpu / relayCpu).toFixed(2),
      });
    }
  }
  return rows;
}

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function main() {
  log('building docklab proxy…');
  execFileSync('npx', ['tsc', '-p', join(here, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  const mainJs = join(root, 'node_modules/.cache/docklab-proxy-build/src/proxy/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'docklab-bench-'));
  const ports = { origin: 18080, haproxy: 18081, docklab: 18082, relay: 18083, tcpOrigin: 18090 };
  const cfg = (port, threads) => `global
  nbthread ${threads}
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:${port}
  acl is_api path_beg /api
  acl is_static path_beg /static
  use_backend api if is_api
  use_backend static if is_static
  default_backend app
backend api
  server o1 127.0.0.1:${ports.origin}
backend static
  server o2 127.0.0.1:${ports.origin}
backend app
  server o3 127.0.0.1:${ports.origin}
frontend rate_limited
  # A stick table tracked on every request; the limit is high enough never to trigger.
  bind 127.0.0.1:${port + RATE_LIMITED_OFFSET}
  stick-table type ip size 100k expire 30s store http_req_rate(10s)
  http-request track-sc0 src
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt 100000000 }
  default_backend app
frontend tcp_stream
  mode tcp
  bind 127.0.0.1:${port + TCP_STREAM_OFFSET}
  default_backend tcp_stream
backend tcp_stream
  mode tcp
  server t1 127.0.0.1:${ports.tcpOrigin}
frontend tcp_conn
  mode tcp
  bind 127.0.0.1:${port + TCP_CONN_OFFSET}
  default_backend tcp_conn
backend tcp_conn
  mode tcp
  server t2 127.0.0.1:${ports.tcpOrigin + 1}
`;
  const haCfg = join(dir, 'haproxy.cfg');
  const dlCfg = join(dir, 'docklab.cfg');
  writeFileSync(haCfg, cfg(ports.haproxy, workers > 1 ? workers : 1));
  // docklab runs one process unless --workers asks for more.
  writeFileSync(dlCfg, cfg(ports.docklab, 1).replace('  nbthread 1\n', ''));

  const procs = [];
  const origin = spawn('taskset', ['-c', loadCores, process.execPath, join(here, 'backend.mjs'), String(ports.origin)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  procs.push(origin);
  const tcpOrigin = spawn('taskset', ['-c', loadCores, process.execPath, join(here, 'tcp-origin.mjs'), String(ports.tcpOrigin)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  procs.push(tcpOrigin);
  const proxyCpus = workers > 1 ? `0-${cores - 1}` : proxyCore;
  // The bare Node.js relay, pinned like the proxies: on the TCP offsets for the TCP cases, and on its own port in
  // front of the HTTP origin, where relaying keep-alive connections byte for byte is Node's floor for an HTTP proxy.
  const relay = pinned(proxyCpus, process.execPath, [
    join(here, 'tcp-relay.mjs'),
    String(ports.relay),
    String(ports.origin),
    String(ports.relay + TCP_STREAM_OFFSET),
    String(ports.tcpOrigin),
    String(ports.relay + TCP_CONN_OFFSET),
    String(ports.tcpOrigin + 1),
  ]);
  procs.push(relay);
  const haproxy = pinned(proxyCpus, HAPROXY, ['-db', '-f', haCfg]);
  procs.push(haproxy);
  const nodeArgs = [mainJs, '-f', dlCfg, ...(workers > 1 ? ['--workers', String(workers)] : [])];
  const docklab = pinned(proxyCpus, process.execPath, nodeArgs);
  procs.push(docklab);
  const stopAll = () => {
    for (const p of procs) {
      try {
        p.kill('SIGTERM');
      } catch {
        /* gone */
      }
    }
  };
  process.on('exit', stopAll);
  await Promise.all(Object.values(ports).map((p) => waitPort(p)));
  await waitPort(ports.tcpOrigin + 1);
  await Promise.all([ports.haproxy, ports.docklab, ports.relay].flatMap((p) => [waitPort(p + TCP_STREAM_OFFSET), waitPort(p + TCP_CONN_OFFSET)]));
  await Promise.all([ports.haproxy, ports.docklab].map((p) => waitPort(p + RATE_LIMITED_OFFSET)));

  const targets = [
    ['origin', ports.origin],
    ['haproxy', ports.haproxy],
    ['relay', ports.relay],
    ['docklab', ports.docklab],
  ];
  const pidOf = { origin: origin.pid, haproxy: haproxy.pid, docklab: docklab.pid, relay: relay.pid };
  // [label, path, port offset of the proxies' frontend for it]
  const sizes = [
    ['100B', '/api/small', 0],
    ['16KiB', '/api/big', 0],
    ['100B rate-limited', '/api/small', RATE_LIMITED_OFFSET],
  ];
  const results = {};
  log(
    `load average at the start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  log(
    `cores: ${cores}; proxies pinned to cpu ${proxyCpus}; wrk and origin on cpu ${loadCores}; ${connections} connections, ${duration}s per run after ${warmup}s warm-up, ${rounds} interleaved rounds${workers > 1 ? `; docklab --workers ${workers}, haproxy nbthread ${workers}` : ''}`,
  );
  for (let round = 1; round <= rounds && only !== 'tcp'; round++) {
    for (const [sizeName, path, offset] of sizes) {
      for (const [name, port] of targets) {
        // The origin and the relay have no rate-limited variant: their figures would repeat the plain ones.
        const plainOnly = name === 'origin' || name === 'relay';
        if (offset && plainOnly) continue;
        const url = `http://127.0.0.1:${plainOnly ? port : port + offset}${path}`;
        if (warmup > 0) wrk(url, warmup);
        const cpuBefore = cpuSeconds(pidOf[name]);
        const r = wrk(url, duration);
        // With --workers the time of the worker processes is not counted: shown as NaN.
        r.cpuUsPerReq = workers > 1 && name !== 'origin' ? NaN : ((cpuSeconds(pidOf[name]) - cpuBefore) * 1e6) / r.requests;
        (results[`${sizeName}|${name}`] ??= []).push(r);
        log(
          `round ${round} ${sizeName.padEnd(5)} ${name.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} rps  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  cpu ${r.cpuUsPerReq.toFixed(1)} us/req${r.errors ? `  non-2xx ${r.errors}` : ''}${r.socketErrors ? `  socket errors ${r.socketErrors}` : ''}`,
        );
      }
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const summary = [];
  for (const [sizeName] of only === 'tcp' ? [] : sizes) {
    const ha = results[`${sizeName}|haproxy`];
    const haRps = median(ha.map((r) => r.rps));
    const haP99 = median(ha.map((r) => r.p99));
    const haCpu = median(ha.map((r) => r.cpuUsPerReq));
    // The relay's CPU at the same body size (the rate-limited case is 100 B).
    const relayRuns = results[`${sizeName}|relay`] ?? results['100B|relay'];
    const relayCpu = relayRuns ? median(relayRuns.map((r) => r.cpuUsPerReq)) : NaN;
    for (const [name] of targets) {
      const rs = results[`${sizeName}|${name}`];
      if (!rs) continue;
      const rps = median(rs.map((r) => r.rps));
      const p50 = median(rs.map((r) => r.p50));
      const p99 = median(rs.map((r) => r.p99));
      const cpu = median(rs.map((r) => r.cpuUsPerReq));
      summary.push({
        size: sizeName,
        target: name,
        rps: Math.round(rps),
        p50_ms: +p50.toFixed(2),
        p99_ms: +p99.toFixed(2),
        rps_vs_haproxy: +(rps / haRps).toFixed(2),
        p99_vs_haproxy: +(p99 / haP99).toFixed(2),
        cpu_us_per_req: +cpu.toFixed(1),
        // Requests one core could carry, relative to HAProxy (HAProxy's CPU per request / ours).
        capacity_vs_haproxy: +(haCpu / cpu).toFixed(2),
        // CPU per request above Node's floor, the bare relay (1 = nothing above it).
        cpu_vs_relay: name === 'origin' ? NaN : +(cpu / relayCpu).toFixed(2),
      });
    }
  }
  if (summary.length) console.table(summary);
  if (only !== 'http') console.table(await tcpCases(ports, pidOf, median));
  // Other work on the machine skews every figure: say how busy it was.
  log(
    `load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (on ${cores} cores)`,
  );
  if (profile) {
    // A separate run under load only, so that the profile is not mostly idle time.
    docklab.kill('SIGTERM');
    await new Promise((r) => docklab.once('exit', r));
    const profiled = pinned(proxyCore, process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, mainJs, '-f', dlCfg]);
    await waitPort(ports.docklab);
    if (only === 'tcp') {
      // --only tcp profiles the connection case: where the CPU per connection goes.
      await waitPort(ports.docklab + TCP_CONN_OFFSET);
      const r = tcpLoad('conn', ports.docklab + TCP_CONN_OFFSET, duration);
      log(`profiled run: ${(r.conns / r.seconds).toFixed(0)} conn/s (tcp connections)`);
    } else {
      const r = wrk(`http://127.0.0.1:${ports.docklab}/api/small`, duration);
      log(`profiled run: ${r.rps.toFixed(0)} rps (100B)`);
    }
    profiled.kill('SIGTERM');
    await new Promise((res) => profiled.once('exit', res));
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      log(`cpu profile: ${join(dir, file)}`);
      execFileSync(process.execPath, [join(here, 'profile-summary.mjs'), join(dir, file)], { stdio: 'inherit' });
    }
  }
  stopAll();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
