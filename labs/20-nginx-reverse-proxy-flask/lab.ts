import { randomBytes } from 'node:crypto';
import {
  CheckFailure,
  defineLab,
  fail,
  httpFrom,
  imageBuildsCheck,
  pass,
  passWith,
  Wait,
  waitFor,
  waitUntil,
  type Check,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** The name the task gives the Flask container: nginx.conf forwards to it. */
const FLASK_NAME = 'flask';
const FLASK_PORT = 5000;
const IMAGE = 'flask-app';
/** The host name docklab asks for through the proxy; Flask must see it unchanged. */
const ASKED_HOST = 'shop.lab20.test';
const CONF_TARGET = '/etc/nginx/conf.d/default.conf';

/** What proxy-starts hands on: the two containers and nginx's published port. */
interface Stack {
  flask: string;
  nginx: string;
  port: number;
}

const imageBuilds = imageBuildsCheck({ image: IMAGE });

/** nginx's own complaints (error log lines), newest last. */
async function nginxErrors(ctx: CheckContext, id: string): Promise<string[]> {
  return (await ctx.logTail(id, 40)).filter((l) => /\[(emerg|alert|crit|error|warn)\]/.test(l)).slice(-4);
}

/** The nginx container's addresses: a request from the proxy comes from one of them. */
async function addressesOf(ctx: CheckContext, id: string): Promise<{ ips: string[]; gateways: string[] }> {
  const info = await ctx.docker.getContainer(id).inspect();
  const endpoints = Object.values(info.NetworkSettings.Networks ?? {});
  return { ips: endpoints.map((e) => e.IPAddress).filter(Boolean), gateways: endpoints.map((e) => e.Gateway).filter(Boolean) };
}

/** Starts Flask and nginx with the folder's nginx.conf on one network; hands the containers on. */
const proxyStarts: Check<Stack> = {
  id: 'proxy-starts',
  title: `Flask runs as '${FLASK_NAME}' and nginx starts with nginx.conf, on one network`,
  dependsOn: [imageBuilds],
  timeoutMs: 60_000,
  run: async (ctx) => {
    const network = await ctx.createNetwork('proxy-net');
    const flask = await ctx.runContainer({ name: FLASK_NAME, image: ctx.get(imageBuilds).ref, network, networkAliases: [FLASK_NAME] });
    // Ready by the protocol, asked as nginx will ask (by the name, on the network), not by the log line of one server:
    // Flask's own server, gunicorn or waitress all pass; one listening on 127.0.0.1 only does not.
    const flaskAnswers = Wait.until(`an HTTP answer from ${FLASK_NAME}:${FLASK_PORT} on ${network}`, async () => {
      const answer = await httpFrom(ctx, flask.id, `http://${FLASK_NAME}:${FLASK_PORT}/`, { timeoutMs: 3_000 });
      return answer.status > 0 ? { ok: true, value: answer } : { ok: false, seen: `no HTTP answer (${answer.body})` };
    })
      .withStartupTimeout(30_000)
      .withInterval(1_000)
      .withLogs(6)
      .withHint(`the Flask app did not start or does not listen on the network: it should listen on 0.0.0.0:${FLASK_PORT} (its last lines are below)`);
    await waitFor(ctx, flaskAnswers, flask.id);
    const nginx = await ctx.runContainer({
      name: 'nginx',
      image: 'nginx:latest',
      network,
      ports: { '80': 0 },
      binds: [`${ctx.sourcePath('nginx.conf')}:${CONF_TARGET}:ro`],
    });
    const port = await ctx.hostPort(nginx.id, '80');
    if (!port) return fail("nginx's port 80 published", 'no published port', 'docklab publishes it itself: report this');
    try {
      // Any HTTP answer means nginx read the file and listens; the next check judges what it answers.
      await waitUntil(
        {
          expected: `nginx running with nginx.conf as ${CONF_TARGET}, answering HTTP on port 80`,
          hint: 'nginx stopped at start: its own message below names the line of nginx.conf it rejected ("host not found in upstream": the name after proxy_pass is no container on nginx\'s network)',
          attempt: async () => {
            const answer = await ctx.http(`http://127.0.0.1:${port}/`);
            return answer.status > 0 ? { ok: true, value: answer } : { ok: false, seen: `no HTTP answer (${answer.body})` };
          },
        },
        { timeoutMs: 20_000, container: { docker: ctx.docker, id: nginx.id } },
      );
    } catch (error) {
      if (error instanceof CheckFailure)
        throw new CheckFailure(error.expected, error.found, error.hint, (await nginxErrors(ctx, nginx.id)).concat(error.details).slice(0, 8));
      throw error;
    }
    return passWith({ flask: flask.id, nginx: nginx.id, port }, `Flask as '${FLASK_NAME}' and nginx on ${network}; nginx published on 127.0.0.1:${port}`);
  },
};

export default defineLab({
  title: 'nginx as a reverse proxy to Flask',
  summary: "Put nginx in front of a Flask container and pass on the client's address and host name.",
  images: ['python:3.11-slim', 'nginx:latest'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'app.py', 'requirements.txt', 'nginx.conf'],
  templates: ['flask-echo'],
  checks: [
    imageBuilds,
    proxyStarts,
    {
      id: 'proxied-answer',
      title: "GET / through nginx returns Flask's answer",
      dependsOn: [proxyStarts],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const { nginx, port } = ctx.get(proxyStarts);
        const url = `http://127.0.0.1:${port}/`;
        // The hint comes from nginx's own answer and error lines: where it sent the request, or that it sent none.
        const proxied = Wait.forHttp(url, { status: 200, body: 'Hello World from Flask' })
          .withStartupTimeout(10_000)
          .diagnose(async () => {
            const last = await ctx.http(url);
            const errors = await nginxErrors(ctx, nginx);
            const upstream = errors.map((l) => /upstream: "([^"]+)"/.exec(l)?.[1]).find(Boolean);
            let hint: string;
            if (last.status === 502 && upstream && /\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(upstream)) {
              hint = `502 Bad Gateway: nginx tried ${upstream}, but inside the nginx container localhost is the nginx container itself, where nothing listens on ${FLASK_PORT}. Each container has its own localhost; reach Flask by its container name on the shared network: proxy_pass http://${FLASK_NAME}:${FLASK_PORT};`;
            } else if (last.status === 502 || last.status === 504) {
              hint = `nginx could not get an answer from ${upstream ?? 'its upstream'}: forward to the Flask container by name and port, proxy_pass http://${FLASK_NAME}:${FLASK_PORT};`;
            } else if (last.status === 200 || last.status === 404) {
              hint = `nginx answered by itself instead of forwarding: put proxy_pass http://${FLASK_NAME}:${FLASK_PORT}; in location / of nginx.conf`;
            } else {
              hint = "nginx answered, but not with Flask's page: its error lines are below";
            }
            return { hint, found: `HTTP ${last.status} with body ${JSON.stringify(last.body.slice(0, 80))}`, details: errors };
          });
        const answer = await waitFor(ctx, proxied, nginx);
        return pass(`HTTP ${answer.status} ${JSON.stringify(answer.body.trim())} via nginx on port ${port}`);
      },
    },
    {
      id: 'forwarded-headers',
      title: "Flask sees the client's address in X-Forwarded-For and the original Host",
      dependsOn: ['proxied-answer', proxyStarts],
      run: async (ctx) => {
        const { nginx, port } = ctx.get(proxyStarts);
        const probe = randomBytes(4).toString('hex');
        const answer = await ctx.http(`http://127.0.0.1:${port}/whoami?probe=${probe}`, { headers: { host: ASKED_HOST } });
        let seen: { peer?: string; host?: string; x_forwarded_for?: string | null };
        try {
          seen = JSON.parse(answer.body);
        } catch {
          return fail(
            "Flask's JSON answer from /whoami",
            `HTTP ${answer.status} ${JSON.stringify(answer.body.slice(0, 80))}`,
            'forward every path to Flask (location /), not only /',
          );
        }
        // The client address as nginx saw it: the first field of its access-log line for this request.
        const line = (await ctx.logTail(nginx, 40)).find((l) => l.includes(`probe=${probe}`));
        const nginxSaw = line?.split(' ')[0];
        const own = await addressesOf(ctx, nginx);
        const clients = nginxSaw ? [nginxSaw] : [...own.gateways, '127.0.0.1'];
        const forwarded = (seen.x_forwarded_for ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const problems: string[] = [];
        if (!forwarded.some((f) => clients.includes(f))) {
          problems.push(
            seen.x_forwarded_for
              ? `X-Forwarded-For is ${JSON.stringify(seen.x_forwarded_for)}, not the client's address (${clients.join(' or ')})`
              : 'no X-Forwarded-For header',
          );
        }
        // The Host exactly as the client sent it (no port): `$host:$server_port` adds nginx's own port inside the
        // container (80), not the one the client used (the published port), so URLs Flask builds would point elsewhere.
        let portHint = '';
        if (seen.host !== ASKED_HOST) {
          problems.push(`Host is ${JSON.stringify(seen.host)}, not ${JSON.stringify(ASKED_HOST)} as the client asked`);
          if (seen.host?.split(':')[0] === ASKED_HOST)
            portHint = ` The client sent no port: a port added to Host (as $host:$server_port does, with nginx's port inside the container, not the published one) sends Flask's links to the wrong place; $host or $http_host pass on what the client sent.`;
        }
        const expected = `Flask to see X-Forwarded-For naming the client (${clients.join(' or ')}) and Host ${ASKED_HOST}`;
        if (problems.length > 0) {
          return fail(
            expected,
            problems.join('; '),
            `behind a proxy, Flask's peer is nginx: nginx must pass on what it knows about the original request, with proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; and proxy_set_header Host $host; in the location.${portHint}`,
            [`Flask saw: ${answer.body.trim()}`],
          );
        }
        const peerNote =
          seen.peer && own.ips.includes(seen.peer) ? `; Flask's peer ${seen.peer} is the nginx container` : seen.peer ? `; Flask's peer: ${seen.peer}` : '';
        return pass(`X-Forwarded-For: ${seen.x_forwarded_for}; Host: ${seen.host}${peerNote}`);
      },
    },
  ],
});
