import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import {
  APP_TEMPLATES_DIR,
  CheckFailure,
  PROXY_CONFIG_PATH,
  defineLab,
  ensureProxyImage,
  fail,
  labSetup,
  pass,
  passWith,
  waitForLogLine,
  waitUntil,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/**
 * FitGuru behind an L7 balancer. docklab builds and runs the two Flask apps
 * itself (the static one as static1, the dynamic one as dynamic1 and
 * dynamic2, the names the learner's haproxy.cfg uses), makes a self-signed
 * certificate, and runs the balancer chosen with --lb (HAProxy, or docklab's
 * own proxy from its image) on the learner's haproxy.cfg. The checks talk to
 * the balancer through its published ports only.
 */

const CONFIG = 'haproxy.cfg';
const CERT_DIR_IN_BALANCER = '/usr/local/etc/haproxy/certs';
const STATIC_APP = join(APP_TEMPLATES_DIR, 'fitness-static');
const DYNAMIC_APP = join(APP_TEMPLATES_DIR, 'fitness-dynamic');
const LOGO = join(STATIC_APP, 'static', 'logo.png');
const SERVED_BY = 'x-served-by';
/** HAProxy's defaults for a server line that does not say. */
const DEFAULT_TIMING = { inter: 2000, fall: 3, rise: 2 };
/** What the container engine and a poll loop add to the balancer's own delay. */
const SLACK_MS = 3000;
/**
 * What the task states: a stopped server leaves the rotation (and a restarted
 * one comes back) "within a second or two". The bound is the task's, not the
 * learner's own inter × fall: `check inter 10s fall 3` is a slow failover, and fails.
 */
const STATED_MS = 2000;
/** Consecutive answers from the remaining server that show the stopped one is out. */
const STREAK = 4;

type Balancer = 'haproxy' | 'docklab';

/** What the set-up made: the apps' network and containers, the certificate, and a client that accepts it. */
interface FitGuru {
  network: string;
  servers: Record<'static1' | 'dynamic1' | 'dynamic2', string>;
  certDir: string;
  /** Accepts the lab's self-signed certificate; closed at teardown. */
  tls: Dispatcher;
}

/** What balancer-starts hands on. */
interface Stack {
  balancer: Balancer;
  balancerId: string;
  http: number;
  https: number;
  servers: Record<'static1' | 'dynamic1' | 'dynamic2', string>;
  certDir: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when no HTTP answer came. */
  error?: string;
}

function balancerName(ctx: CheckContext): string {
  return ctx.option('lb') === 'docklab' ? "docklab's proxy" : 'HAProxy';
}

function servedBy(answer: Answer): string {
  const value = answer.headers[SERVED_BY];
  return (Array.isArray(value) ? value[0] : value) ?? '(no X-Served-By)';
}

function describe(answer: Answer): string {
  if (answer.error) return `no HTTP answer (${answer.error})`;
  const text = answer.body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 80);
  return `HTTP ${answer.status} from ${servedBy(answer)}: ${JSON.stringify(text)}`;
}

/** One request; TLS with the lab's self-signed certificate accepted. Never throws. */
async function get(ctx: CheckContext, url: string, options: { headers?: Record<string, string>; timeoutMs?: number; rawPath?: string } = {}): Promise<Answer> {
  const undici = await import('undici');
  try {
    let response: Dispatcher.ResponseData;
    if (options.rawPath) {
      // A Client sends the path as given: the URL parser would fold "..".
      const client = new undici.Client(url, { connect: { rejectUnauthorized: false } });
      try {
        response = await client.request({
          path: options.rawPath,
          method: 'GET',
          headers: options.headers,
          headersTimeout: options.timeoutMs ?? 5000,
          bodyTimeout: options.timeoutMs ?? 5000,
        });
        const body = Buffer.from(await response.body.arrayBuffer());
        return { status: response.statusCode, headers: response.headers, body };
      } finally {
        await client.close().catch(() => undefined);
      }
    }
    response = await undici.request(url, {
      headers: options.headers,
      dispatcher: url.startsWith('https:') ? ctx.get(fitguru).tls : undefined,
      headersTimeout: options.timeoutMs ?? 5000,
      bodyTimeout: options.timeoutMs ?? 5000,
    });
    return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
  } catch (error) {
    return { status: 0, headers: {}, body: Buffer.alloc(0), error: (error as { code?: string }).code ?? (error as Error).message };
  }
}

// ---------------------------------------------------------------- the config

interface ServerLine {
  name: string;
  line: number;
  text: string;
  check: boolean;
  inter: number;
  fall: number;
  rise: number;
}

/** A time as HAProxy writes it: "500ms", "2s", "1m"; a bare number is milliseconds. */
function parseTime(value: string | undefined): number | undefined {
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(value ?? '');
  if (!m) return undefined;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
}

/** The `server` lines of the config with their check timing; `default-server` of the section or of defaults applies. */
export function parseServers(text: string): ServerLine[] {
  const servers: ServerLine[] = [];
  let section = '';
  let fromDefaults: string[] = [];
  let sectionDefaults: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const words = line.split(/\s+/);
    const keyword = words[0]!;
    if (['global', 'defaults', 'frontend', 'backend', 'listen'].includes(keyword)) {
      section = keyword;
      if (section === 'defaults') fromDefaults = [];
      sectionDefaults = section === 'defaults' ? [] : fromDefaults;
      return;
    }
    if (keyword === 'default-server') {
      sectionDefaults = [...sectionDefaults, ...words.slice(1)];
      if (section === 'defaults') fromDefaults = sectionDefaults;
      return;
    }
    if (keyword !== 'server' || words.length < 2) return;
    const own = words.slice(3);
    const options = [...sectionDefaults, ...own];
    const after = (name: string): string | undefined => {
      const i = options.lastIndexOf(name);
      return i >= 0 ? options[i + 1] : undefined;
    };
    servers.push({
      name: words[1]!,
      line: index + 1,
      text: line,
      check: options.includes('check') && !own.includes('no-check'),
      inter: parseTime(after('inter')) ?? DEFAULT_TIMING.inter,
      fall: Number(after('fall') ?? DEFAULT_TIMING.fall) || DEFAULT_TIMING.fall,
      rise: Number(after('rise') ?? DEFAULT_TIMING.rise) || DEFAULT_TIMING.rise,
    });
  });
  return servers;
}

function serverLine(ctx: CheckContext, name: string): ServerLine {
  const servers = parseServers(readFileSync(ctx.sourcePath(CONFIG), 'utf8'));
  return (
    servers.find((s) => s.name === name) ??
    ctx.failWith(
      `a line "server ${name} ${name}:5002 check …" in ${CONFIG}`,
      `no server named ${name}`,
      `the dynamic backend needs both dynamic servers, named as the containers: ${name}`,
    )
  );
}

// ----------------------------------------------------------------- set-up

/** A self-signed certificate for localhost, key and certificate in one PEM file as HAProxy reads it. */
async function makeCertificate(ctx: CheckContext): Promise<string> {
  const dir = ctx.tempDir('cert');
  chmodSync(dir, 0o755);
  const script = [
    'openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 7',
    '-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout /out/key.pem -out /out/cert.pem 2>&1',
    '&& cat /out/cert.pem /out/key.pem > /out/site.pem && chmod 644 /out/site.pem && rm /out/key.pem /out/cert.pem',
  ].join(' ');
  const container = await ctx.runContainer({
    name: 'certificate',
    image: 'haproxy:2.6',
    entrypoint: ['sh', '-c'],
    cmd: [script],
    user: 'root',
    binds: [`${dir}:/out`],
  });
  const result = (await container.wait()) as { StatusCode: number };
  if (result.StatusCode !== 0) {
    throw new Error(`openssl could not make the lab's certificate: ${(await ctx.logTail(container.id, 6)).join(' | ')}`);
  }
  return dir;
}

const fitguru = labSetup(async (ctx): Promise<FitGuru> => {
  // One build at a time: the machine's cores are shared.
  const staticImage = await ctx.build({ name: 'fitness-static', dir: STATIC_APP });
  const dynamicImage = await ctx.build({ name: 'fitness-dynamic', dir: DYNAMIC_APP });
  const network = await ctx.createNetwork('fitguru');
  const run = (name: string, image: string) => ctx.runContainer({ name, image, network, networkAliases: [name], env: { SERVER_NAME: name } });
  const [static1, dynamic1, dynamic2, certDir] = await Promise.all([
    run('static1', staticImage.ref),
    run('dynamic1', dynamicImage.ref),
    run('dynamic2', dynamicImage.ref),
    makeCertificate(ctx),
  ]);
  for (const c of [static1, dynamic1, dynamic2]) {
    await waitForLogLine(ctx, c.id, /Running on/, 'a FitGuru app did not start: its log is below', { timeoutMs: 30_000 });
  }
  const { Agent } = await import('undici');
  const tls = new Agent({ connect: { rejectUnauthorized: false } });
  return { network, servers: { static1: static1.id, dynamic1: dynamic1.id, dynamic2: dynamic2.id }, certDir, tls };
});

async function teardown(ctx: CheckContext): Promise<void> {
  let made: FitGuru;
  try {
    made = ctx.get(fitguru);
  } catch {
    // The set-up stopped half-way: its folders are the run's own and go with the run folder.
    return;
  }
  await made.tls.close().catch(() => undefined);
  rmSync(made.certDir, { recursive: true, force: true });
}

/**
 * The learner's Dockerfile (FROM haproxy…, COPY haproxy.cfg …) built into
 * the balancer image. For docklab's proxy, the FROM line names the proxy's
 * image instead, in a copy of the folder: the rest of the file is the same.
 */
async function buildBalancerImage(ctx: CheckContext, balancer: Balancer, base: string): Promise<string> {
  const dockerfile = readFileSync(ctx.sourcePath('Dockerfile'), 'utf8');
  const from = /^\s*FROM\s+(\S+)/im.exec(dockerfile)?.[1];
  if (!from || !/^(library\/)?haproxy(:|@|$)/.test(from)) {
    ctx.failWith(
      'a Dockerfile that starts FROM haproxy:2.6 and copies haproxy.cfg into the image',
      `FROM ${from ?? '(none)'}`,
      `the balancer image is HAProxy's: "FROM haproxy:2.6" then "COPY haproxy.cfg ${PROXY_CONFIG_PATH}"`,
    );
  }
  if (balancer === 'haproxy') return (await ctx.build({ name: 'fitguru-balancer' })).ref;
  const copy = ctx.tempDir('balancer');
  try {
    cpSync(ctx.sourcePath(), copy, { recursive: true });
    writeFileSync(join(copy, 'Dockerfile'), dockerfile.replace(/^(\s*FROM\s+)\S+/im, `$1${base}`));
    return (await ctx.build({ name: 'fitguru-balancer', dir: copy })).ref;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Builds and starts the balancer on the set-up's network; hands on where it answers. */
const balancerStarts: Check<Stack> = {
  id: 'balancer-starts',
  title: 'The balancer starts with haproxy.cfg and answers on ports 80 and 443',
  timeoutMs: 600_000,
  run: async (ctx) => {
    const balancer = ctx.option('lb') as Balancer;
    const base = balancer === 'docklab' ? await ensureProxyImage(ctx.docker) : 'haproxy:2.6';
    const { certDir, network, servers } = ctx.get(fitguru);
    // With a Dockerfile the config travels in the image; without one it is mounted.
    const image = ctx.hasSourceFile('Dockerfile') ? await buildBalancerImage(ctx, balancer, base) : base;
    const binds = [`${certDir}:${CERT_DIR_IN_BALANCER}:ro`];
    if (image === base) binds.unshift(`${ctx.sourcePath(CONFIG)}:${PROXY_CONFIG_PATH}:ro`);
    const container = await ctx.runContainer({
      name: 'balancer',
      image,
      network,
      ports: { '80': 0, '443': 0 },
      binds,
    });
    const http = await ctx.hostPort(container.id, '80');
    const https = await ctx.hostPort(container.id, '443');
    if (!http || !https) return fail('ports 80 and 443 published', `80 → ${http}, 443 → ${https}`, 'docklab publishes them itself: report this');
    const stack: Stack = { balancer, balancerId: container.id, http, https, servers, certDir };
    const answering = (label: string, url: string, hint: string, timeoutMs: number) =>
      waitUntil(
        {
          expected: `${balancerName(ctx)} running with your ${CONFIG}, answering ${label}`,
          hint,
          attempt: async () => {
            const answer = await get(ctx, url, { timeoutMs: 3000 });
            return answer.status > 0 ? { ok: true, value: answer } : { ok: false, seen: `${label}: ${describe(answer)}` };
          },
        },
        { timeoutMs, container: { docker: ctx.docker, id: container.id } },
      );
    try {
      await answering(
        'HTTP on port 80',
        `http://127.0.0.1:${http}/`,
        `the balancer stopped or does not listen: its own messages below name the line of ${CONFIG} it rejected (a frontend needs "bind *:80")`,
        20_000,
      );
      await answering(
        'HTTPS on port 443',
        `https://127.0.0.1:${https}/`,
        `HTTP works but nothing answers TLS on 443: add "bind *:443 ssl crt ${CERT_DIR_IN_BALANCER}/site.pem" to the frontend (the file holds the lab's certificate and key)`,
        5_000,
      );
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      const lines = error.details.length > 0 ? error.details : await ctx.logTail(container.id, 10);
      const noConfig = image !== base && lines.some((l) => /haproxy\.cfg/.test(l) && /cannot (open|read)|no such file|ENOENT/i.test(l));
      const hint = noConfig
        ? `the image has no ${PROXY_CONFIG_PATH}: copy your haproxy.cfg there in the Dockerfile (COPY haproxy.cfg ${PROXY_CONFIG_PATH})`
        : error.hint;
      throw new CheckFailure(error.expected, error.found, hint, lines.slice(-10));
    }
    return passWith(stack, `${balancerName(ctx)} (${image}) on 127.0.0.1:${http} (HTTP) and 127.0.0.1:${https} (HTTPS)`);
  },
};

// ------------------------------------------------------------------ checks

export default defineLab({
  title: 'L7 load balancing for a fitness app',
  summary: 'Route /static and the rest of FitGuru to different Flask servers, end TLS and check health in haproxy.cfg.',
  images: ['python:3.11-slim', 'haproxy:2.6', 'node:18'],
  evidence: 'files',
  options: [
    { name: 'lb', placeholder: 'balancer', choices: ['haproxy', 'docklab'], default: 'haproxy', description: 'the load balancer that reads haproxy.cfg' },
  ],
  requiredFiles: [CONFIG],
  setup: fitguru,
  teardown,
  checks: [
    balancerStarts,
    {
      id: 'static-from-static-backend',
      title: '/static/logo.png comes from static1, byte for byte',
      dependsOn: [balancerStarts],
      run: async (ctx) => {
        const { http } = ctx.get(balancerStarts);
        const logo = readFileSync(LOGO);
        const answer = await get(ctx, `http://127.0.0.1:${http}/static/logo.png`);
        const expected = `HTTP 200 from static1 (X-Served-By: static1) with the ${logo.length}-byte logo`;
        const from = servedBy(answer);
        if (answer.status === 200 && from === 'static1' && answer.body.equals(logo)) {
          return pass(`HTTP 200, ${answer.body.length} bytes identical to static/logo.png, served by static1`);
        }
        const found =
          answer.status === 200 && from === 'static1' ? `HTTP 200 from static1 with ${answer.body.length} bytes that differ from the logo` : describe(answer);
        const hint = /^dynamic/.test(from)
          ? `the request went to ${from}, a dynamic server, which has no /static files: route it with an ACL, "acl is_static path_beg /static" and "use_backend <static backend> if is_static", before the default_backend`
          : from === 'static1'
            ? 'static1 answered but not with the logo: pass the path through unchanged (no set-path or set-uri on /static)'
            : `the balancer did not reach static1: a backend with "server static1 static1:5001 check" and a rule "use_backend … if { path_beg /static }"`;
        return fail(expected, found, hint);
      },
    },
    {
      id: 'dynamic-pages',
      title: '/ and /api/data come from the dynamic servers',
      dependsOn: [balancerStarts],
      run: async (ctx) => {
        const { http } = ctx.get(balancerStarts);
        const home = await get(ctx, `http://127.0.0.1:${http}/`);
        const api = await get(ctx, `http://127.0.0.1:${http}/api/data`);
        const problems: string[] = [];
        if (home.status !== 200 || !/^dynamic[12]$/.test(servedBy(home)) || !home.body.toString().includes('FitGuru')) problems.push(`/: ${describe(home)}`);
        let data: unknown;
        try {
          data = JSON.parse(api.body.toString());
        } catch {
          data = undefined;
        }
        if (api.status !== 200 || !/^dynamic[12]$/.test(servedBy(api)) || !Array.isArray((data as { workouts?: unknown })?.workouts))
          problems.push(`/api/data: ${describe(api)}`);
        if (problems.length > 0) {
          return fail(
            'HTTP 200 from dynamic1 or dynamic2 for / (the FitGuru home page) and /api/data (JSON)',
            problems.join('; '),
            'everything that is not /static goes to the dynamic backend: "default_backend <dynamic backend>" with servers dynamic1:5002 and dynamic2:5002',
          );
        }
        return pass(`/ from ${servedBy(home)}, /api/data from ${servedBy(api)}: ${api.body.toString().trim().slice(0, 80)}`);
      },
    },
    {
      id: 'https-terminated',
      title: 'HTTPS works; the server sees plain HTTP with X-Forwarded-Proto: https',
      dependsOn: ['dynamic-pages', balancerStarts],
      run: async (ctx) => {
        const { https } = ctx.get(balancerStarts);
        const answer = await get(ctx, `https://127.0.0.1:${https}/headers`);
        let seen: { scheme?: string; headers?: Record<string, string> } | undefined;
        try {
          seen = JSON.parse(answer.body.toString());
        } catch {
          seen = undefined;
        }
        const expected = 'over https://127.0.0.1 (port 443), a dynamic server reached by plain HTTP that received X-Forwarded-Proto: https';
        if (answer.status !== 200 || !seen?.headers) {
          return fail(
            expected,
            describe(answer),
            `terminate TLS on the frontend: "bind *:443 ssl crt ${CERT_DIR_IN_BALANCER}/site.pem", and send /headers to the dynamic backend like every other path`,
          );
        }
        const proto = Object.entries(seen.headers).find(([k]) => k.toLowerCase() === 'x-forwarded-proto')?.[1];
        const forwardedFor = Object.entries(seen.headers).find(([k]) => k.toLowerCase() === 'x-forwarded-for')?.[1];
        if (seen.scheme !== 'http' || proto !== 'https') {
          return fail(
            expected,
            `the server saw scheme ${seen.scheme} and X-Forwarded-Proto ${proto === undefined ? '(none)' : JSON.stringify(proto)}`,
            'the servers only see the balancer\'s plain HTTP: tell them the client used TLS with "http-request set-header X-Forwarded-Proto https if { ssl_fc }"',
            [`headers the server received: ${JSON.stringify(seen.headers)}`],
          );
        }
        return pass(
          `TLS ended at the balancer; ${servedBy(answer)} saw plain HTTP with X-Forwarded-Proto: https${forwardedFor ? `, X-Forwarded-For: ${forwardedFor}` : ''}`,
        );
      },
    },
    {
      id: 'round-robin-alternates',
      title: 'Requests alternate between dynamic1 and dynamic2',
      dependsOn: ['dynamic-pages', balancerStarts],
      run: async (ctx) => {
        const { http } = ctx.get(balancerStarts);
        const order: string[] = [];
        for (let i = 0; i < 6; i++) {
          const answer = await get(ctx, `http://127.0.0.1:${http}/api/data`);
          order.push(answer.status === 200 ? servedBy(answer) : `HTTP ${answer.status || answer.error}`);
        }
        const alternates = order.every((who, i) => /^dynamic[12]$/.test(who) && (i === 0 || who !== order[i - 1]));
        if (!alternates) {
          return fail(
            'six requests answered in turn by dynamic1 and dynamic2 (no server twice in a row)',
            order.join(', '),
            'list both servers in the dynamic backend, "server dynamic1 dynamic1:5002 check" and "server dynamic2 dynamic2:5002 check", with "balance roundrobin" and equal weights',
          );
        }
        return pass(order.join(' → '));
      },
    },
    {
      id: 'deny-rule-403',
      title: 'A suspicious request (".." in the path or a scanner\'s User-Agent) gets 403',
      dependsOn: ['dynamic-pages', balancerStarts],
      run: async (ctx) => {
        const { http } = ctx.get(balancerStarts);
        const origin = `http://127.0.0.1:${http}`;
        const probes: Array<{ what: string; answer: Answer }> = [
          { what: 'GET /static/../app.py', answer: await get(ctx, origin, { rawPath: '/static/../app.py' }) },
          { what: 'GET /api/data with User-Agent: sqlmap/1.7', answer: await get(ctx, `${origin}/api/data`, { headers: { 'user-agent': 'sqlmap/1.7' } }) },
          { what: 'GET /api/data with User-Agent: Nikto/2.5', answer: await get(ctx, `${origin}/api/data`, { headers: { 'user-agent': 'Nikto/2.5' } }) },
        ];
        const normal = await get(ctx, `${origin}/api/data`, { headers: { 'user-agent': 'Mozilla/5.0 (FitGuru member)' } });
        const lines = probes.map((p) => `${p.what}: ${describe(p.answer)}`);
        const denied = probes.filter((p) => p.answer.status === 403);
        if (denied.length === 0) {
          return fail(
            'HTTP 403 for a request matching the deny rule (a path with ".." or a scanner\'s User-Agent such as sqlmap or Nikto)',
            'no probe was refused',
            'refuse such requests in the frontend before routing, e.g. "http-request deny deny_status 403 if { path_sub .. }"',
            lines,
          );
        }
        if (normal.status !== 200) {
          return fail(
            'an ordinary request still served (HTTP 200) beside the 403s',
            `GET /api/data: ${describe(normal)}`,
            'the deny rule refuses everything: narrow its condition',
            lines,
          );
        }
        return pass(`403 for ${denied.map((d) => d.what).join('; ')}; an ordinary request still gets 200`, lines);
      },
    },
    {
      id: 'failover-when-server-stops',
      title: 'dynamic2 stopped: within a second or two every request goes to dynamic1',
      dependsOn: ['round-robin-alternates', balancerStarts],
      timeoutMs: 90_000,
      run: async (ctx) => {
        const { http, servers } = ctx.get(balancerStarts);
        const line = serverLine(ctx, 'dynamic2');
        const limit = STATED_MS + SLACK_MS;
        await ctx.docker.getContainer(servers.dynamic2).stop({ t: 0 });
        const stopped = Date.now();
        // Watch long enough to see the learner's own timing play out, when it is slower than the task's bound.
        const measured = await pollUntilStreak(ctx, http, stopped, Math.max(limit, line.inter * line.fall + SLACK_MS) + 4000, (who) => who === 'dynamic1');
        const said = `limit ${STATED_MS / 1000} s as the task states + ${SLACK_MS / 1000} s slack = ${(limit / 1000).toFixed(1)} s; your server line: inter ${line.inter} ms × fall ${line.fall} = ${((line.inter * line.fall) / 1000).toFixed(1)} s`;
        if (measured.ms === undefined || measured.ms > limit) {
          const hint = !line.check
            ? `"${line.text}" (line ${line.line}) has no \`check\`: the balancer never tests that server, so it keeps sending it requests after it stops. Add check (with option httpchk GET /health and inter/fall/rise) to every server line`
            : `dynamic2 was not taken out of the rotation in time: health checks every inter, fall failures in a row mark it down, so inter × fall (${((line.inter * line.fall) / 1000).toFixed(1)} s on line ${line.line}) must stay within a second or two: e.g. check inter 500ms fall 2 rise 2 on the server, with option httpchk GET /health in the backend`;
          return fail(
            `after dynamic2 stops, ${STREAK} answers in a row from dynamic1 within ${(limit / 1000).toFixed(1)} s (${said})`,
            measured.ms === undefined
              ? `requests still reached dynamic2 or failed after ${((Date.now() - stopped) / 1000).toFixed(1)} s`
              : `it took ${(measured.ms / 1000).toFixed(2)} s`,
            hint,
            measured.seen.slice(-10),
          );
        }
        // The task asks for health checks "often enough": a balancer that happened to steer around the stopped server
        // (by retrying elsewhere) hides a check timing under which it would stay in the rotation far longer.
        if (line.inter * line.fall > STATED_MS) {
          return fail(
            `health checks often enough that dynamic2 leaves the rotation within a second or two (inter × fall at most ${STATED_MS / 1000} s)`,
            `inter ${line.inter} ms × fall ${line.fall} = ${((line.inter * line.fall) / 1000).toFixed(1)} s on line ${line.line} (this time the requests were steered to dynamic1 after ${(measured.ms / 1000).toFixed(2)} s)`,
            `dynamic2 was marked down only after fall failed checks, inter apart: keep inter × fall within a second or two, e.g. check inter 500ms fall 2 rise 2 on the server, with option httpchk GET /health in the backend`,
            measured.seen.slice(-6),
          );
        }
        ctx.log(`lab 0 (${ctx.option('lb')}): dynamic2 out of rotation ${(measured.ms / 1000).toFixed(2)} s after it stopped`);
        return pass(`dynamic2 out of rotation after ${(measured.ms / 1000).toFixed(2)} s (${said})`, measured.seen.slice(-8));
      },
    },
    {
      id: 'recovery-after-restart',
      title: 'dynamic2 restarted: back in the rotation within a second or two',
      dependsOn: ['failover-when-server-stops', balancerStarts],
      timeoutMs: 90_000,
      run: async (ctx) => {
        const { http, servers } = ctx.get(balancerStarts);
        const line = serverLine(ctx, 'dynamic2');
        const limit = STATED_MS + SLACK_MS;
        const before = (await ctx.logTail(servers.dynamic2, 200)).filter((l) => /Running on/.test(l)).length;
        await ctx.docker.getContainer(servers.dynamic2).start();
        await waitUntil(
          {
            expected: 'dynamic2 running again',
            hint: 'the dynamic app did not start again: report this',
            attempt: async () => {
              const n = (await ctx.logTail(servers.dynamic2, 200)).filter((l) => /Running on/.test(l)).length;
              return n > before ? { ok: true, value: n } : { ok: false, seen: 'not listening yet' };
            },
          },
          { timeoutMs: 30_000, container: { docker: ctx.docker, id: servers.dynamic2 } },
        );
        const ready = Date.now();
        const measured = await pollUntilStreak(ctx, http, ready, Math.max(limit, line.inter * line.rise + SLACK_MS) + 4000, (who) => who === 'dynamic2', 1);
        const said = `limit ${STATED_MS / 1000} s as the task states + ${SLACK_MS / 1000} s slack = ${(limit / 1000).toFixed(1)} s; your server line: inter ${line.inter} ms × rise ${line.rise} = ${((line.inter * line.rise) / 1000).toFixed(1)} s`;
        if (measured.ms === undefined || measured.ms > limit) {
          return fail(
            `dynamic2 answering through the balancer again within ${(limit / 1000).toFixed(1)} s of its restart (${said})`,
            measured.ms === undefined
              ? `no answer from dynamic2 after ${((Date.now() - ready) / 1000).toFixed(1)} s`
              : `it took ${(measured.ms / 1000).toFixed(2)} s`,
            'a server marked down comes back after rise successful checks in a row: keep check on the server line and a small inter and rise (check inter 500ms fall 2 rise 2)',
            measured.seen.slice(-10),
          );
        }
        ctx.log(`lab 0 (${ctx.option('lb')}): dynamic2 back ${(measured.ms / 1000).toFixed(2)} s after its app was listening again`);
        return pass(`dynamic2 back in the rotation ${(measured.ms / 1000).toFixed(2)} s after its app listened again (${said})`, measured.seen.slice(-6));
      },
    },
  ],
});

/**
 * Starts a request every 100 ms, without waiting for slower ones (a request
 * the balancer still sent to a dead server hangs until its timeout), until
 * `streak` requests in a row, with none after them answered otherwise, were
 * answered as `wanted`. Returns when the first of those was sent, counted
 * from `since`: the moment the balancer stopped (or started) using the server.
 */
async function pollUntilStreak(
  ctx: CheckContext,
  port: number,
  since: number,
  budgetMs: number,
  wanted: (who: string) => boolean,
  streak = STREAK,
): Promise<{ ms?: number; seen: string[] }> {
  const sent: Array<{ at: number; who?: string }> = [];
  const inFlight: Array<Promise<void>> = [];
  const seen = () => sent.map((e) => `+${((e.at - since) / 1000).toFixed(2)} s: ${e.who ?? 'no answer yet'}`);
  const settled = (): number | undefined => {
    if (streak === 1) {
      const index = sent.findIndex((e) => e.who !== undefined && wanted(e.who));
      return index >= 0 ? index : undefined;
    }
    // The earliest request from which every answered one is wanted, with enough answered in a row.
    let first: number | undefined;
    let run = 0;
    for (let i = 0; i < sent.length; i++) {
      const who = sent[i]!.who;
      if (who !== undefined && wanted(who)) {
        if (run === 0) first = i;
        run += 1;
      } else if (who !== undefined || run < streak) {
        run = 0;
        first = undefined;
      }
    }
    return first !== undefined && run >= streak ? first : undefined;
  };
  let first: number | undefined;
  while (first === undefined && Date.now() - since < budgetMs) {
    const entry: { at: number; who?: string } = { at: Date.now() };
    sent.push(entry);
    inFlight.push(
      get(ctx, `http://127.0.0.1:${port}/api/data`, { timeoutMs: 2000 }).then((answer) => {
        entry.who = answer.status === 200 ? servedBy(answer) : answer.error ? `no answer (${answer.error})` : `HTTP ${answer.status}`;
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    first = settled();
  }
  // Requests still out (sent to the dead server) end within their timeout: none is left running.
  await Promise.all(inFlight);
  return { ms: first === undefined ? undefined : sent[first]!.at - since, seen: seen() };
}
