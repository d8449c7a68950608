// The health probe: exit 0 when GET /health answers 200, 1 otherwise.
// Plain Node, because slim images have neither curl nor wget.
const http = require('http');

const port = Number(process.env.PORT || 3000);
const request = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, (res) => {
  console.log(`GET /health: ${res.statusCode}`);
  process.exit(res.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => {
  console.log('GET /health: no answer within 2 s');
  process.exit(1);
});
request.on('error', (error) => {
  console.log(`GET /health: ${error.message}`);
  process.exit(1);
});
