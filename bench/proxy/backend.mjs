// A minimal keep-alive HTTP/1.1 responder used as the benchmark's origin
// server: it answers every request head with a fixed response, so that the
// proxy in front of it, not the origin, is what the benchmark measures.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const sizes = { small: 100, big: 16 * 1024 };
const responses = {};
for (const [name, size] of Object.entries(sizes)) {
  const body = Buffer.alloc(size, 120);
  responses[name] = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${size}\r\n\r\n`), body]);
}

createServer({ noDelay: true }, (socket) => {
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    let end;
    const out = [];
    while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      out.push(head.includes(' /api/big') || head.includes(' /big') ? responses.big : responses.small);
    }
    if (out.length === 1) socket.write(out[0]);
    else if (out.length > 1) socket.write(Buffer.concat(out));
  });
  socket.on('error', () => {});
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
