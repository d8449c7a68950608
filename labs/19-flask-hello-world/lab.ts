import { appServesCheck, defineLab, imageBuildsCheck } from '../../src/lab-kit/index.js';

const imageBuilds = imageBuildsCheck({ image: 'flask-hello' });

export default defineLab({
  title: 'A Flask Hello World image',
  summary: 'Write a Dockerfile for a Flask app that answers "Hello World".',
  images: ['python:3.11-slim'],
  evidence: 'files',
  // The task names no app file: hello.py run by `flask run` is as good as app.py.
  requiredFiles: ['Dockerfile'],
  templates: ['flask-hello'],
  checks: [
    imageBuilds,
    // "Hello World" as the classic program says it: Flask's own quickstart answers "Hello, World!".
    appServesCheck({ image: imageBuilds, containerPort: 'exposed', fallbackPort: 5000, body: /Hello,? World/i, app: 'the Flask app' }),
  ],
});
