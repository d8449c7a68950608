import { readFileSync } from 'node:fs';
import { defineLab } from '../../src/labs/lab-definition.js';
import { fail, pass } from '../../src/checks/check.js';
import type { LabContext } from '../../src/labs/lab-context.js';
import { waitForHttp } from '../../src/checks/wait/http-wait.js';
import { dockerHubRegistry, listTags, manifestFor, plainRegistry, type RegistryTarget } from '../../src/checks/registry-api.js';
import { imageIfPresent } from '../../src/images/provisioner.js';
import { pushImage } from '../../src/images/image-push.js';

const APP = 'my-node-app';
const TAG = 'v1.0.0';

/** push.json: the learner's steps as data: build one tag, add tags (new → existing), push some. */
interface PushSteps {
  build: string;
  tags: Record<string, string>;
  push: string[];
}

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}

/** The registry judged: the one this run started, the one --registry names, or Docker Hub. */
function registryFor(ctx: LabContext): RegistryTarget {
  const started = ctx.state.get('registry') as string | undefined;
  if (started) return plainRegistry(started);
  if (ctx.options.registry) return plainRegistry(ctx.options.registry);
  const hub = dockerHubRegistry();
  if (!hub.target) return ctx.failWith('a registry to look in', 'none named and no Docker Hub login found', hub.problem!);
  return hub.target;
}

export default defineLab({
  title: 'Push my-node-app to a registry',
  summary: 'Push the my-node-app:v1.0.0 image to a registry and confirm the registry holds exactly that image.',
  images: ['node:18', 'registry:2'],
  evidence: 'state',
  templates: ['node-hello'],
  setup: async (ctx) => {
    const steps = JSON.parse(readFileSync(ctx.sourcePath('push.json'), 'utf8')) as PushSteps;
    // A private registry for this run, published on a free port of 127.0.0.1.
    const registry = await ctx.runContainer({ name: 'registry', image: 'registry:2', ports: { '5000': 0 } });
    const port = await ctx.hostPort(registry.id, '5000');
    const hostPort = `127.0.0.1:${port}`;
    await waitForHttp(ctx, `http://${hostPort}/v2/`, { status: 200 }, 'the registry container did not start', { containerId: registry.id, timeoutMs: 20_000 });
    ctx.state.set('registry', hostPort);
    ctx.log(`registry on ${hostPort}`);

    await ctx.build({ name: APP, tag: steps.build });
    for (const [tag, from] of Object.entries(steps.tags)) {
      const [repo, newTag] = splitRef(ctx.imageName(APP, tag));
      await ctx.docker.getImage(ctx.imageName(APP, from)).tag({ repo, tag: newTag });
    }
    const target = plainRegistry(hostPort);
    for (const tag of steps.push) {
      // docker tag my-node-app:TAG HOST:PORT/my-node-app:TAG && docker push HOST:PORT/my-node-app:TAG
      await ctx.docker.getImage(ctx.imageName(APP, tag)).tag({ repo: target.pushName(APP), tag });
      const pushed = await pushImage(ctx.docker, target.pushName(APP), tag);
      ctx.state.set(`pushed:${tag}`, pushed.digest);
      ctx.log(`pushed ${target.pushName(APP)}:${tag}: digest ${pushed.digest} (${(pushed.durationMs / 1000).toFixed(1)} s)`);
    }
  },
  checks: [
    {
      id: 'registry-answers',
      title: "The registry's HTTP API answers",
      timeoutMs: 30_000,
      run: async (ctx) => {
        const registry = registryFor(ctx);
        const answer = await ctx.http(`${registry.baseUrl}/v2/`);
        // 401 is an answer too: Docker Hub asks for a token first.
        if (answer.status === 200 || answer.status === 401) return pass(`${registry.baseUrl}/v2/: HTTP ${answer.status}`);
        return fail(
          `HTTP 200 (or 401) from ${registry.baseUrl}/v2/`,
          answer.status === 0 ? `no answer (${answer.body})` : `HTTP ${answer.status}`,
          ctx.options.registry
            ? `is your registry running and published there? e.g. docker run -d -p ${ctx.options.registry.split(':').pop()}:5000 --name registry registry:2`
            : 'pass the registry you pushed to with --registry HOST:PORT',
        );
      },
    },
    {
      id: 'tag-pushed',
      title: `The registry lists the tag ${TAG} for ${APP}`,
      dependsOn: ['registry-answers'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const registry = registryFor(ctx);
        const repository = registry.repository(APP);
        const { answer, tags } = await listTags(ctx, registry, repository);
        const pushHint = `tag the image with the registry's name and push that tag: docker tag ${APP}:${TAG} ${registry.pushName(APP)}:${TAG} && docker push ${registry.pushName(APP)}:${TAG}`;
        if (!tags) {
          return fail(`a repository ${repository} in ${registry.display}`, `HTTP ${answer.status}: ${answer.body.trim().slice(0, 120)}`, pushHint);
        }
        if (!tags.includes(TAG)) {
          return fail(`the tag ${TAG} in ${registry.display}/${repository}`, tags.length ? `only ${tags.join(', ')}` : 'no tags', `${pushHint} (docker push sends only the tag you name, latest when you name none)`);
        }
        return pass(`${registry.display}/${repository}: ${tags.join(', ')}`);
      },
    },
    {
      id: 'digest-matches',
      title: `The registry's manifest for ${TAG} is the image you pushed (same digest, same image ID)`,
      dependsOn: ['tag-pushed'],
      timeoutMs: 30_000,
      run: async (ctx) => {
        const registry = registryFor(ctx);
        const repository = registry.repository(APP);
        const manifest = await manifestFor(ctx, registry, repository, TAG);
        if (!manifest.digest) {
          return fail(`a schema 2 manifest with a Docker-Content-Digest header for ${repository}:${TAG}`, `HTTP ${manifest.answer.status}: ${manifest.answer.body.trim().slice(0, 120)}`, 'push again with a current Docker client');
        }
        const local = await imageIfPresent(ctx.docker, ctx.imageName(APP, TAG));
        if (!local) {
          return fail(`the image ${APP}:${TAG} in your engine, to compare with`, 'none', `the registry has ${manifest.digest}; keep ${APP}:${TAG} (lab 4) in your engine when you verify`);
        }
        const pushedDigest = ctx.state.get(`pushed:${TAG}`) as string | undefined;
        const repoDigests = (local.RepoDigests ?? []).filter((d) => d.startsWith(`${registry.pushName(APP)}@`) || (registry.display === 'docker.io' && d.startsWith(`docker.io/${registry.pushName(APP)}@`)));
        const localDigests = [...repoDigests.map((d) => d.slice(d.indexOf('@') + 1)), ...(pushedDigest ? [pushedDigest] : [])];
        const details = [`registry: ${manifest.digest} (config ${manifest.configDigest ?? '?'})`, `${APP}:${TAG} here: image ID ${local.Id}`, ...repoDigests.map((d) => `RepoDigests: ${d}`), ...(pushedDigest ? [`the push reported: ${pushedDigest}`] : [])];
        if (manifest.configDigest && manifest.configDigest !== local.Id) {
          return fail(
            `the registry's ${TAG} to be your ${APP}:${TAG} (image ID ${local.Id.slice(7, 19)})`,
            `the registry's ${TAG} is image ${manifest.configDigest.slice(7, 19)}`,
            `your local ${APP}:${TAG} is not what was pushed (rebuilt or retagged since?): tag it for the registry again and push it`,
            details,
          );
        }
        if (localDigests.length === 0) {
          return fail(`a digest for ${registry.pushName(APP)} in the local image's RepoDigests`, 'none', `the engine records a digest when it pushes or pulls: push ${registry.pushName(APP)}:${TAG} from this engine`, details);
        }
        if (!localDigests.every((d) => d === manifest.digest)) {
          return fail(`digest ${manifest.digest} here too`, localDigests.join(', '), 'the tag in the registry now points at another push: push again', details);
        }
        return pass(`${manifest.digest} in the registry = the pushed digest; config = image ID ${local.Id.slice(7, 19)}`, details);
      },
    },
  ],
});
