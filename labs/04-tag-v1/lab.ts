import {
  defineLab,
  fail,
  imageIdsOf,
  imageIfPresent,
  pass,
  passWith,
  serveAndRequest,
  type Check,
  type CheckContext,
  type ImageHandle,
} from '../../src/lab-kit/index.js';

async function inspectTag(ctx: CheckContext, tag: string) {
  return imageIfPresent(ctx.docker, ctx.imageName('my-node-app', tag));
}

/** Hands on the v1.0.0 tag, for the check that runs a container from it. */
const v1TagExists: Check<ImageHandle> = {
  id: 'v1-tag-exists',
  title: 'The tag my-node-app:v1.0.0 exists',
  dependsOn: ['latest-exists'],
  run: async (ctx) => {
    const image = await inspectTag(ctx, 'v1.0.0');
    return image
      ? passWith({ ref: ctx.imageName('my-node-app', 'v1.0.0') }, image.Id.slice(7, 19))
      : fail('an image my-node-app:v1.0.0', 'none', 'docker tag SOURCE TARGET gives an image another name');
  },
};

export default defineLab({
  title: 'Tag my-node-app as v1.0.0',
  summary: 'Give the my-node-app image from lab 3 the version tag v1.0.0.',
  images: ['node:18'],
  evidence: 'state',
  templates: ['node-hello'],
  checks: [
    {
      id: 'latest-exists',
      title: 'The image my-node-app:latest exists',
      run: async (ctx) => {
        const image = await inspectTag(ctx, 'latest');
        return image ? pass(image.Id.slice(7, 19)) : fail('an image my-node-app:latest', 'none', 'build lab 3 first: docker build -t my-node-app .');
      },
    },
    v1TagExists,
    {
      id: 'same-image',
      title: 'v1.0.0 and latest are the same image',
      dependsOn: [v1TagExists],
      run: async (ctx) => {
        const latest = (await inspectTag(ctx, 'latest'))!;
        const v1 = (await inspectTag(ctx, 'v1.0.0'))!;
        if (latest.Id === v1.Id) return pass(`both are ${latest.Id.slice(7, 19)}`);
        return fail(
          'one image with two tags (the same image ID)',
          `latest is ${latest.Id.slice(7, 19)} (made ${latest.Created}), v1.0.0 is ${v1.Id.slice(7, 19)} (made ${v1.Created})`,
          'a tag is another name for an existing image: `docker tag my-node-app:latest my-node-app:v1.0.0`; building again makes a different image',
        );
      },
    },
    {
      id: 'is-the-app',
      title: 'my-node-app:v1.0.0 is the app of lab 3: a container from it answers "Hello World" on port 3000',
      dependsOn: ['same-image', v1TagExists],
      timeoutMs: 60_000,
      run: async (ctx) => {
        const v1 = (await inspectTag(ctx, 'v1.0.0'))!;
        // A tag moves no bytes: my-node-app made by `docker tag node:18 my-node-app` is node itself under another name.
        if ((await imageIdsOf(ctx.docker, ['node'])).has(v1.Id)) {
          const also = (v1.RepoTags ?? []).filter((t) => !t.includes('my-node-app')).join(', ');
          return fail(
            'my-node-app built from the Dockerfile of lab 3 (an image of its own)',
            `my-node-app:v1.0.0 is the node image itself (image ${v1.Id.slice(7, 19)}, also tagged ${also || 'node'})`,
            'build the app first: docker build -t my-node-app . in the folder of lab 3, then tag that image v1.0.0',
          );
        }
        const answer = await serveAndRequest(ctx, { image: v1TagExists, containerPort: 3000, body: 'Hello World', app: 'the Express app of lab 3' });
        return pass(`HTTP ${answer.status} ${JSON.stringify(answer.body.trim().slice(0, 40))} from a container of my-node-app:v1.0.0`);
      },
    },
  ],
});
