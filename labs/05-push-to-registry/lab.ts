import {
  defineLab,
  dockerHubRegistry,
  fail,
  imageIfPresent,
  listTags,
  manifestFor,
  pass,
  plainRegistry,
  referenceInRegistry,
  type CheckContext,
  type RegistryTarget,
} from '../../src/lab-kit/index.js';

const APP = 'my-node-app';
const TAG = 'v1.0.0';

/** The registry judged: the one this run started, the one --registry names, or Docker Hub. */
function registryFor(ctx: CheckContext): RegistryTarget {
  const started = ctx.scenario?.hostPort('registry', 5000);
  if (started) return plainRegistry(`127.0.0.1:${started}`);
  const named = ctx.option('registry');
  if (named) return plainRegistry(named);
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
  options: [{ name: 'registry', placeholder: 'host:port', description: 'the registry to look in (default: the Docker Hub account of `docker login`)' }],
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
          ctx.option('registry')
            ? `is your registry running and published there? e.g. docker run -d -p ${ctx.option('registry')!.split(':').pop()}:5000 --name registry registry:2`
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
          return fail(
            `the tag ${TAG} in ${registry.display}/${repository}`,
            tags.length ? `only ${tags.join(', ')}` : 'no tags',
            `${pushHint} (docker push sends only the tag you name, latest when you name none)`,
          );
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
          return fail(
            `a schema 2 manifest with a Docker-Content-Digest header for ${repository}:${TAG}`,
            `HTTP ${manifest.answer.status}: ${manifest.answer.body.trim().slice(0, 120)}`,
            'push again with a current Docker client',
          );
        }
        const local = await imageIfPresent(ctx.docker, ctx.imageName(APP, TAG));
        if (!local) {
          return fail(
            `the image ${APP}:${TAG} in your engine, to compare with`,
            'none',
            `the registry has ${manifest.digest}; keep ${APP}:${TAG} (lab 4) in your engine when you verify`,
          );
        }
        const pushedDigest = ctx.scenario?.pushed.get(`${APP}:${TAG}`);
        // By what the registry is, not how it was spelt: a push to localhost:PORT is a push to 127.0.0.1:PORT.
        const repoDigests = (local.RepoDigests ?? []).filter((d) => referenceInRegistry(d, registry.display, repository));
        const localDigests = [...repoDigests.map((d) => d.slice(d.indexOf('@') + 1)), ...(pushedDigest ? [pushedDigest] : [])];
        const details = [
          `registry: ${manifest.digest} (config ${manifest.configDigest ?? '?'})`,
          `${APP}:${TAG} here: image ID ${local.Id}`,
          ...repoDigests.map((d) => `RepoDigests: ${d}`),
          ...(pushedDigest ? [`the push reported: ${pushedDigest}`] : []),
        ];
        if (manifest.configDigest && manifest.configDigest !== local.Id) {
          return fail(
            `the registry's ${TAG} to be your ${APP}:${TAG} (image ID ${local.Id.slice(7, 19)})`,
            `the registry's ${TAG} is image ${manifest.configDigest.slice(7, 19)}`,
            `your local ${APP}:${TAG} is not what was pushed (rebuilt or retagged since?): tag it for the registry again and push it`,
            details,
          );
        }
        if (localDigests.length === 0) {
          return fail(
            `a digest for ${registry.pushName(APP)} in the local image's RepoDigests`,
            'none',
            `the engine records a digest when it pushes or pulls: push ${registry.pushName(APP)}:${TAG} from this engine`,
            details,
          );
        }
        if (!localDigests.every((d) => d === manifest.digest)) {
          return fail(`digest ${manifest.digest} here too`, localDigests.join(', '), 'the tag in the registry now points at another push: push again', details);
        }
        return pass(`${manifest.digest} in the registry = the pushed digest; config = image ID ${local.Id.slice(7, 19)}`, details);
      },
    },
  ],
});
