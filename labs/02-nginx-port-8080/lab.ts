import { containerName, containersOfImage, defineLab, fail, pass, passWith, waitForHttp, type Check, type CheckContext } from '../../src/lab-kit/index.js';

const HOST_PORT = 8080;
/** nginx by any tag, digest or fully qualified name, or the same image under a name of the learner's. */
const NGINX = ['nginx'];

async function runningNginx(ctx: CheckContext) {
  return containersOfImage(ctx, NGINX, { running: true });
}

/** Hands on the running nginx containers it found, so that the port check judges the same ones without listing the engine's images again. */
const nginxRunning: Check<Awaited<ReturnType<typeof runningNginx>>> = {
  id: 'nginx-running',
  title: 'An nginx container is running',
  run: async (ctx) => {
    const running = await runningNginx(ctx);
    if (running.length === 0) {
      const all = await containersOfImage(ctx, NGINX);
      return fail(
        'a running container from the nginx image',
        all.length
          ? `nginx containers that are not running: ${all.map((c) => `${containerName(c)} (${c.State})`).join(', ')}`
          : 'no container from the nginx image',
        'start one in the background: docker run -d --name web -p HOST:CONTAINER nginx',
      );
    }
    return passWith(running, running.map(containerName).join(', '));
  },
};

export default defineLab({
  title: 'nginx on host port 8080',
  summary: 'Run nginx and publish its port 80 on port 8080 of your machine.',
  images: ['nginx:latest'],
  evidence: 'state',
  prescribedPorts: [HOST_PORT],
  checks: [
    nginxRunning,
    {
      id: 'port-published',
      title: 'Container port 80 is published on host port 8080',
      dependsOn: [nginxRunning],
      run: async (ctx) => {
        const running = ctx.get(nginxRunning);
        const match = running.find((c) => c.Ports.some((p) => p.PrivatePort === 80 && p.PublicPort === HOST_PORT));
        if (match) return pass(`${containerName(match)}: 80/tcp → host ${HOST_PORT}`);
        const mappings = running.flatMap((c) =>
          c.Ports.filter((p) => p.PublicPort).map((p) => `${containerName(c)}: container ${p.PrivatePort} → host ${p.PublicPort}`),
        );
        return fail(
          `container port 80 published on host port ${HOST_PORT}`,
          mappings.length ? mappings.join('; ') : 'no published ports',
          '-p takes HOST:CONTAINER, the host port first: -p 8080:80 (nginx listens on 80 inside the container)',
        );
      },
    },
    {
      id: 'default-page',
      title: 'http://127.0.0.1:8080/ answers 200 with the nginx default page',
      dependsOn: ['port-published'],
      timeoutMs: 40_000,
      run: async (ctx) => {
        const answer = await waitForHttp(
          ctx,
          `http://127.0.0.1:${HOST_PORT}/`,
          { status: 200, body: 'Welcome to nginx!' },
          "the page should be nginx's own: did you replace /usr/share/nginx/html/index.html?",
        );
        return pass(`HTTP ${answer.status}, ${answer.body.length} bytes, "Welcome to nginx!"`);
      },
    },
  ],
});
