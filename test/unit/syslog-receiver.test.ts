import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, startSyslogReceiver } from '../../src/checks/syslog-receiver.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('syslog receiver', () => {
  it('keeps UDP messages with their priority', async () => {
    const receiver = await startSyslogReceiver({ protocol: 'udp' });
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send('<30>Nov 23 22:00:00 abc123[1]: line 1', receiver.port, '127.0.0.1', () => resolve()));
    await until(() => receiver.messages.length > 0);
    socket.close();
    await receiver.close();
    expect(receiver.messages[0]).toMatchObject({ raw: '<30>Nov 23 22:00:00 abc123[1]: line 1', priority: 30 });
  });

  it('splits TCP frames by newline and by octet count', async () => {
    const receiver = await startSyslogReceiver({ protocol: 'tcp' });
    const client = connect({ host: '127.0.0.1', port: receiver.port });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.write('<14>first line\n');
    client.write('10 <14>second<14>third\n');
    await until(() => receiver.messages.length >= 3);
    client.destroy();
    await receiver.close();
    expect(receiver.messages.map((m) => m.raw)).toEqual(['<14>first line', '<14>second', '<14>third']);
  });

  it('finds a free port', async () => {
    const port = await freePort('udp');
    expect(port).toBeGreaterThan(0);
    const receiver = await startSyslogReceiver({ protocol: 'udp', port });
    expect(receiver.port).toBe(port);
    await receiver.close();
  });
});
