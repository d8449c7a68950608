import { defineLab } from '../../src/labs/lab-definition.js';
import { appServesCheck, imageBuildsCheck } from '../../src/checks/app-checks.js';

export default defineLab({
  title: 'A Flask Hello World image',
  summary: 'Write a Dockerfile for a Flask app that answers "Hello World".',
  images: ['python:3.11-slim'],
  evidence: 'files',
  requiredFiles: ['Dockerfile', 'app.py'],
  templates: ['flask-hello'],
  checks: [
    imageBuildsCheck({ image: 'flask-hello' }),
    appServesCheck({ image: 'flask-hello', containerPort: 'exposed', fallbackPort: 5000, body: 'Hello World', app: 'the Flask app' }),
  ],
});
