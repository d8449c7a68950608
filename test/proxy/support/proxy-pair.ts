import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startProxyFromFile } from '../../../src/proxy/index.js';
import { freePort } from './echo-servers.js';
import { startHaproxy } from './haproxy-process.js';
import { RawRecorder } from './raw-recorder.js';

/** One side of a differential run: a proxy on `port` and the recording servers behind it. */
export interface Side {
  kind: 'haproxy' | 'docklab';
  port: number;
  servers: RawRecorder[];
  stop(): Promise<void>;
}

/**
 * Starts real HAProxy and docklab on the same configuration, each with its own
 * recording servers. Placeholders: @FE (the frontend address), @S1.. (the
 * servers), @DOWN (a port nothing listens on), @CERT (a PEM file).
 */
export async function startPair(cfg: string, serverNames: string[] = ['s1'], cert?: string): Promise<{ hp: Side; dl: Side; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-wire-'));
  const start = async (kind: Side['kind']): Promise<Side> => {
    const servers = await Promise.all(serverNames.map((n) => new RawRecorder(n).start()));
    const port = await freePort();
    const down = await freePort();
    let text = cfg.replace(/@FE/g, `127.0.0.1:${port}`).replace(/@DOWN/g, `127.0.0.1:${down}`);
    if (cert) text = text.replace(/@CERT/g, cert);
    servers.forEach((s, i) => {
      text = text.replace(new RegExp(`@S${i + 1}\\b`, 'g'), `127.0.0.1:${s.port}`);
    });
    const file = join(dir, `${kind}.cfg`);
    writeFileSync(file, text);
    let stopProxy: () => Promise<void>;
    if (kind === 'haproxy') stopProxy = (await startHaproxy(file, port)).stop;
    else {
      const p = await startProxyFromFile(file, { onLog: () => {}, onWarning: () => {} });
      stopProxy = () => p.close();
    }
    return {
      kind,
      port,
      servers,
      stop: async () => {
        await stopProxy();
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  };
  const hp = await start('haproxy');
  const dl = await start('docklab');
  return {
    hp,
    dl,
    stop: async () => {
      await Promise.all([hp.stop(), dl.stop()]);
    },
  };
}
