// TCP load for the benchmark. `stream`: `concurrency` connections read the
// origin's endless stream for `seconds`; prints the bytes received. `conn`:
// `concurrency` loops of connect, send one byte, read the answer, close;
// prints the connections completed. Output is one JSON line.
import { connect } from 'node:net';

const [mode, portText, secondsText, concurrencyText] = process.argv.slice(2);
const port = Number(portText);
const until = Date.now() + Number(secondsText) * 1000;
const concurrency = Number(concurrencyText);
let bytes = 0;
let conns = 0;
let errors = 0;

function streamOne() {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('data', (d) => {
      bytes += d.length;
    });
    s.on('error', () => {
      errors++;
      resolve();
    });
    s.on('close', resolve);
    setTimeout(() => s.destroy(), until - Date.now());
  });
}

async function connLoop() {
  while (Date.now() < until) {
    await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port, noDelay: true });
      s.on('connect', () => s.write('x'));
      s.once('data', () => {
        conns++;
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        errors++;
        resolve();
      });
      s.on('close', resolve);
    });
  }
}

const started = Date.now();
const work = Array.from({ length: concurrency }, () => (mode === 'stream' ? streamOne() : connLoop()));
await Promise.all(work);
const seconds = (Date.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ bytes, conns, errors, seconds })}\n`);
