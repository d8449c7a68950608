import { appServesCheck, defineLab, imageBuildsCheck } from '../../src/lab-kit/index.js';

export default defineLab({
  title: 'A Flask Hello World image',
  summary: 'Write a Dockerfile for a Flask app that answers "Hello World".',
  images: ['python:3.11-slim'],
  evidence: 'files',
  // The task names no app file: hello.py run by `flask run` is as good as app.py.
  requiredFiles: ['Dockerfile'],
  templates: ['flask-hello'],
  checks: [
    imageBuildsCheck({ image: 'flask-hello' }),
    // "Hello World" as the classic program says it: Flask's own quickstart answers "Hello, World!".
    appServesCheck({ image: 'flask-hello', containerPort: 'exposed', fallbackPort: 5000, body: /Hello,? World/i, app: 'the Flask app' }),
  ],
});
