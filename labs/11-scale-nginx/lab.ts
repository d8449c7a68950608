import {
  ComposeProject,
  composeFileCheck,
  composeProject,
  composeUpCheck,
  containerName,
  defineLab,
  downComposeProjects,
  fail,
  imageNamed,
  pass,
  serviceContainers,
  serviceFor,
  waitForHttp,
  type CheckContext,
} from '../../src/lab-kit/index.js';

/** By repository, any tag or digest: docker.io/library/nginx:1.25 is nginx. */
const NGINX = imageNamed('nginx');
const REPLICAS = 3;
/** How long each replica must have been running to count. */
const STEADY_MS = 1_500;

/** The host ports the file fixes for the nginx service ("8080:80", "127.0.0.1:8080:80", { published: 8080 }). */
function fixedHostPorts(service: string, project: ComposeProject): string[] {
  const ports = project.file.services[service]?.ports ?? [];
  const fixed: string[] = [];
  for (const entry of ports) {
    if (typeof entry === 'object' && entry !== null) {
      const published = (entry as { published?: unknown }).published;
      if (published !== undefined && published !== '') fixed.push(String(published));
      continue;
    }
    const parts = String(entry).split(':');
    // "80" or "127.0.0.1::80": no host port; "8080:80" or "IP:8080:80": a fixed one.
    const host = parts.length === 2 ? parts[0] : parts.length === 3 ? parts[1] : '';
    if (host) fixed.push(host);
  }
  return fixed;
}

const composeFile = composeFileCheck({ roles: [{ role: 'nginx', image: NGINX, example: 'web: { image: nginx, ports: ["80"] }' }] });

function upHint(ctx: CheckContext, output: string[]): string | undefined {
  const service = serviceFor(ctx, 'nginx');
  const { project } = ctx.get(composeFile);
  const fixed = fixedHostPorts(service, project);
  const text = output.join('\n');
  if (fixed.length > 0 || /port is already allocated|address already in use/i.test(text)) {
    return `a host port belongs to one container at a time: with ports: "${fixed[0] ?? 'HOST'}:80" the first replica of ${service} takes host port ${fixed[0] ?? 'HOST'} and the 2nd and 3rd cannot have it. Publish the container port alone (ports: - "80"), so that each replica gets a free host port of its own (\`docker compose ps\` shows them; \`docker-compose ps\` on Compose v1), or put one load balancer on ${fixed[0] ?? 'that port'} in front of the replicas`;
  }
  if (project.file.services[service]?.container_name !== undefined || /unique name|already in use by container/i.test(text)) {
    return `container_name: gives every replica the same name, and a name belongs to one container: remove container_name from ${service} and let Compose number the replicas`;
  }
  return undefined;
}

export default defineLab({
  title: 'Scale nginx to 3',
  summary: 'Run three replicas of the nginx service of a compose file, each one answering.',
  images: ['nginx:latest', 'mysql:latest'],
  evidence: 'files',
  requiredFiles: ['docker-compose.yml'],
  teardown: downComposeProjects,
  checks: [
    composeFile,
    composeUpCheck({
      id: 'scaled-up',
      title: `up -d --scale <nginx service>=${REPLICAS} succeeds and ${REPLICAS} nginx containers run`,
      args: (ctx) => ['--scale', `${serviceFor(ctx, 'nginx')}=${REPLICAS}`],
      hint: upHint,
    }),
    {
      id: 'replicas-running',
      title: `${REPLICAS} containers of the nginx service are running`,
      dependsOn: ['scaled-up'],
      run: async (ctx) => {
        // A replica must stay up, not only start: wait until each has run for
        // STEADY_MS (a process that goes to the background exits at once).
        const deadline = Date.now() + 5_000;
        let all = await serviceContainers(ctx, 'nginx');
        for (;;) {
          const infos = await Promise.all(all.map((c) => ctx.docker.getContainer(c.Id).inspect()));
          const young = infos.some((i) => i.State.Running && Date.now() - Date.parse(i.State.StartedAt) < STEADY_MS);
          if (!young || infos.some((i) => !i.State.Running) || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 250));
          all = await serviceContainers(ctx, 'nginx');
        }
        all = await serviceContainers(ctx, 'nginx');
        const running = all.filter((c) => c.State === 'running');
        if (running.length === REPLICAS) return pass(running.map((c) => containerName(c)).join(', '));
        return fail(
          `${REPLICAS} running containers of the ${serviceFor(ctx, 'nginx')} service`,
          `${running.length} running${
            all.length > running.length
              ? `; not running: ${all
                  .filter((c) => c.State !== 'running')
                  .map((c) => `${containerName(c)} (${c.Status})`)
                  .join(', ')}`
              : ''
          }`,
          all.some((c) => c.State === 'exited' && /Exited \(0\)/.test(c.Status))
            ? 'the replicas stopped with exit code 0: a container lives as long as its main process, and nginx here went to the background and returned. Keep nginx in the foreground (the image\'s default command does: nginx -g "daemon off;")'
            : `docklab runs \`up -d --scale ${serviceFor(ctx, 'nginx')}=${REPLICAS}\`; \`docker compose logs\` (\`docker-compose logs\` on Compose v1) says why a replica stopped`,
        );
      },
    },
    {
      id: 'each-answers',
      title: 'Each nginx replica answers HTTP on a port of its own',
      dependsOn: ['replicas-running'],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const project = await composeProject(ctx);
        const replicas = await serviceContainers(ctx, 'nginx', { running: true });
        const answered: string[] = [];
        const seenPorts = new Set<number>();
        for (const replica of replicas) {
          const port = await ComposeProject.publishedPort(ctx.docker, replica.Id, 80);
          if (!port) {
            return fail(
              `container port 80 of every replica published on a host port`,
              `${containerName(replica)} publishes nothing for port 80`,
              `add ports: - "80" to the ${serviceFor(ctx, 'nginx')} service: Docker then gives each replica a free host port of its own (\`docker compose port --index 2 ${serviceFor(ctx, 'nginx')} 80\` shows the second's; \`docker-compose port --index=2 …\` on Compose v1)`,
            );
          }
          if (seenPorts.has(port)) return fail('a host port per replica', `host port ${port} twice`, 'publish the container port alone: - "80"');
          seenPorts.add(port);
          // Any page will do, as in lab 10 whose file this one scales: nginx's welcome page or a site of the learner's own.
          await waitForHttp(
            ctx,
            `http://127.0.0.1:${port}/`,
            { status: 200 },
            `${containerName(replica)} should serve a page on port 80: nginx's welcome page, or the files mounted under /usr/share/nginx/html (an empty folder gives 403)`,
            { containerId: replica.Id, timeoutMs: 15_000 },
          );
          answered.push(`${containerName(replica)} on ${port}`);
        }
        return pass(`project ${project.name}: ${answered.join(', ')}`);
      },
    },
  ],
});
