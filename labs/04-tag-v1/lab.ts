import { readFileSync } from 'node:fs';
import { defineLab } from '../../src/labs/lab-definition.js';
import { fail, pass } from '../../src/checks/check.js';
import type { LabContext } from '../../src/labs/lab-context.js';
import { imageIfPresent } from '../../src/images/provisioner.js';

/** build.json: the learner's steps as data: build a folder into a tag, or tag one tag as another. */
type Step = { tag: string; dir: string } | { tag: string; from: string };

async function inspectTag(ctx: LabContext, tag: string) {
  return imageIfPresent(ctx.docker, ctx.imageName('my-node-app', tag));
}

export default defineLab({
  title: 'Tag my-node-app as v1.0.0',
  summary: 'Give the my-node-app image from lab 3 the version tag v1.0.0.',
  images: ['node:18'],
  evidence: 'state',
  templates: ['node-hello'],
  setup: async (ctx) => {
    const steps = JSON.parse(readFileSync(ctx.sourcePath('build.json'), 'utf8')) as Step[];
    for (const step of steps) {
      if ('dir' in step) {
        await ctx.build({ name: 'my-node-app', tag: step.tag, dir: step.dir });
      } else {
        const [repository, tag] = splitRef(ctx.imageName('my-node-app', step.tag));
        await ctx.docker.getImage(ctx.imageName('my-node-app', step.from)).tag({ repo: repository, tag });
      }
    }
  },
  checks: [
    {
      id: 'latest-exists',
      title: 'The image my-node-app:latest exists',
      run: async (ctx) => {
        const image = await inspectTag(ctx, 'latest');
        return image ? pass(image.Id.slice(7, 19)) : fail('an image my-node-app:latest', 'none', 'build lab 3 first: docker build -t my-node-app .');
      },
    },
    {
      id: 'v1-tag-exists',
      title: 'The tag my-node-app:v1.0.0 exists',
      dependsOn: ['latest-exists'],
      run: async (ctx) => {
        const image = await inspectTag(ctx, 'v1.0.0');
        return image ? pass(image.Id.slice(7, 19)) : fail('an image my-node-app:v1.0.0', 'none', 'docker tag SOURCE TARGET gives an image another name');
      },
    },
    {
      id: 'same-image',
      title: 'v1.0.0 and latest are the same image',
      dependsOn: ['v1-tag-exists'],
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
  ],
});

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return [ref.slice(0, colon), ref.slice(colon + 1)];
}
