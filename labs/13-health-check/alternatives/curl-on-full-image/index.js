// A small Express app with a health route for docklab's health check lab.
const express = require('express');

const app = express();
const port = Number(process.env.PORT || 3000);
let healthy = true;

app.get('/', (req, res) => {
  res.send('Hello, Docker!');
});

// The health route: 200 while the app considers itself well, 503 after.
app.get('/health', (req, res) => {
  if (healthy) res.json({ status: 'UP' });
  else res.status(503).json({ status: 'DOWN' });
});

// Lets you (and docklab) watch the health check notice a failure:
// after POST /health/fail the health route answers 503 for good.
app.post('/health/fail', (req, res) => {
  healthy = false;
  res.json({ status: 'DOWN', note: 'the health route answers 503 from now on' });
});

app.listen(port, () => {
  console.log(`Server is running on port ${port}`);
});
