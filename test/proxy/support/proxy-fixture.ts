import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startProxyFromFile, type RunningProxy } from '../../../src/proxy/index.js';
import { startEchoServer, freePort, type EchoServer } from './echo-servers.js';

export interface Fixture {
  proxy: RunningProxy;
  port: number;
  servers: EchoServer[];
  cfgFile: string;
  logs: string[];
  /** Rewrites the config file (same placeholders) without reloading. */
  rewrite(cfg: string): void;
  close(): Promise<void>;
}

/** Starts echo servers and docklab's proxy on a config with @FE/@S1../@DOWN placeholders. */
export async function startFixture(cfg: string, serverNames: string[] = ['s1', 's2']): Promise<Fixture> {
  const servers = await Promise.all(serverNames.map((n) => startEchoServer(n)));
  const port = await freePort();
  const down = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'docklab-proxy-'));
  const cfgFile = join(dir, 'haproxy.cfg');
  const render = (text: string) => {
    let t = text.replace(/@FE/g, `127.0.0.1:${port}`).replace(/@DOWN/g, `127.0.0.1:${down}`);
    servers.forEach((s, i) => {
      t = t.replace(new RegExp(`@S${i + 1}PORT\\b`, 'g'), String(s.port));
      t = t.replace(new RegExp(`@S${i + 1}\\b`, 'g'), `127.0.0.1:${s.port}`);
    });
    return t;
  };
  writeFileSync(cfgFile, render(cfg));
  const logs: string[] = [];
  const proxy = await startProxyFromFile(cfgFile, { onLog: (l) => logs.push(l), onWarning: (l) => logs.push(l) });
  return {
    proxy,
    port,
    servers,
    cfgFile,
    logs,
    rewrite: (text) => writeFileSync(cfgFile, render(text)),
    close: async () => {
      await proxy.close();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `check` holds or `ms` pass; returns whether it held. Tests wait for
 * the event they need instead of a fixed sleep, so a loaded machine only slows them.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(10);
  }
}
