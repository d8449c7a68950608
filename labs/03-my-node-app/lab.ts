import { defineLab } from '../../src/labs/lab-definition.js';
import { appServesCheck, imageBuildsCheck } from '../../src/checks/app-checks.js';

export default defineLab({
  title: 'A Node.js image: my-node-app',
  summary: 'Write a Dockerfile for an Express "Hello World" app and build it as my-node-app.',
  images: ['node:18'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'index.js', 'package.json'],
  templates: ['node-hello'],
  checks: [
    imageBuildsCheck({ image: 'my-node-app' }),
    appServesCheck({ image: 'my-node-app', containerPort: 3000, body: 'Hello World', app: 'the Express app' }),
  ],
});
