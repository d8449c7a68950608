// The benchmark's floor for layer 4 in Node.js: a bare relay with no
// configuration, no rules, no timeouts and no logs. Each accepted connection
// opens one to the target and the two sockets are piped both ways (half-closes
// passed on). What docklab costs above this is docklab's; what this costs
// above HAProxy is the runtime's.
// Usage: node tcp-relay.mjs LISTEN_PORT TARGET_PORT [LISTEN_PORT TARGET_PORT …]
import { createServer, connect } from 'node:net';

const pairs = process.argv.slice(2).map(Number);
for (let i = 0; i + 1 < pairs.length; i += 2) {
  const target = pairs[i + 1];
  createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    const server = connect({ host: '127.0.0.1', port: target, noDelay: true, allowHalfOpen: true });
    const fail = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', fail);
    server.on('error', fail);
    client.pipe(server);
    server.pipe(client);
  }).listen(pairs[i], '127.0.0.1');
}
