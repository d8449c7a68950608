// The TCP benchmark's origin: on `port` every connection receives an endless
// stream of 64 KiB writes (backpressure honoured); on `port + 1` every
// connection gets one byte back for the first bytes it sends, then is closed.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const chunk = Buffer.alloc(64 * 1024, 120);

createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {});
  const pump = () => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  pump();
}).listen(port, '127.0.0.1');

createServer({ noDelay: true, allowHalfOpen: false }, (socket) => {
  socket.on('error', () => {});
  socket.once('data', () => socket.end('y'));
}).listen(port + 1, '127.0.0.1', () => process.send?.('ready'));
