import { appServesCheck, defineLab, imageBuildsCheck } from '../../src/lab-kit/index.js';

const imageBuilds = imageBuildsCheck({ image: 'my-node-app' });

export default defineLab({
  title: 'A Node.js image: my-node-app',
  summary: 'Write a Dockerfile for an Express "Hello World" app and build it as my-node-app.',
  images: ['node:18'],
  evidence: 'files',
  // Only what the task names: the app may come with a package.json or have its Dockerfile install express itself.
  requiredFiles: ['Dockerfile'],
  templates: ['node-hello'],
  checks: [imageBuilds, appServesCheck({ image: imageBuilds, containerPort: 3000, body: 'Hello World', app: 'the Express app' })],
});
