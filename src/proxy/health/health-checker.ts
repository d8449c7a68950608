import { connect, type Socket } from 'node:net';
import type { HttpCheckModel } from '../config/model.js';
import type { Server } from '../runtime/server.js';

export interface HealthCheckOptions {
  inter: number;
  fastinter: number;
  downinter: number;
  rise: number;
  fall: number;
  timeout: number;
  port: number;
  http?: HttpCheckModel;
  onChange?: (server: Server, message: string) => void;
}

/**
 * Probes one server on its own timer and moves it between UP and DOWN with
 * HAProxy's rise/fall counting. A server starts UP with its health at `rise`,
 * so the first failed probe takes it down, as in HAProxy.
 */
export class HealthChecker {
  private health: number;
  private timer: NodeJS.Timeout | undefined;
  private socket: Socket | undefined;
  private stopped = false;

  constructor(private readonly server: Server, private readonly opts: HealthCheckOptions) {
    this.health = opts.rise;
  }

  start(): void {
    // Spread the first probes so that many servers are not checked at once.
    this.schedule(Math.floor(Math.random() * Math.min(this.opts.inter, 500)));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.probe(), ms);
    this.timer.unref();
  }

  private nextDelay(): number {
    const { rise, fall } = this.opts;
    if (this.server.state === 'DOWN' && this.health === 0) return this.opts.downinter;
    if (this.health > 0 && this.health < rise + fall - 1) return this.opts.fastinter;
    return this.opts.inter;
  }

  private probe(): void {
    if (this.stopped) return;
    if (this.server.state === 'MAINT') { this.schedule(this.opts.inter); return; }
    const started = Date.now();
    let done = false;
    const finish = (ok: boolean, status: string) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      sock.destroy();
      this.socket = undefined;
      this.record(ok, `${status}, check duration: ${Date.now() - started}ms`);
      this.schedule(this.nextDelay());
    };
    const sock = connect({ host: this.server.address, port: this.opts.port });
    this.socket = sock;
    const deadline = setTimeout(() => finish(false, 'Layer4 timeout'), this.opts.timeout);
    sock.on('error', (e: NodeJS.ErrnoException) => finish(false, `Layer4 connection problem: ${e.code ?? e.message}`));
    sock.on('connect', () => {
      const http = this.opts.http;
      if (!http) { finish(true, 'Layer4 check passed'); return; }
      let head = `${http.method} ${http.uri} ${http.version}\r\n`;
      for (const [n, v] of http.headers) head += `${n}: ${v}\r\n`;
      head += '\r\n';
      sock.write(head, 'latin1');
      let got = '';
      sock.on('data', (chunk: Buffer) => {
        got += chunk.toString('latin1');
        const eol = got.indexOf('\n');
        if (eol < 0) { if (got.length > 1024) finish(false, 'Layer7 invalid response'); return; }
        const m = /^HTTP\/\d\.\d (\d{3})/.exec(got);
        if (!m) { finish(false, 'Layer7 invalid response'); return; }
        const status = Number(m[1]);
        const ranges = http.expectStatus.length ? http.expectStatus : [[200, 399] as [number, number]];
        const ok = ranges.some(([lo, hi]) => status >= lo && status <= hi);
        finish(ok, ok ? `Layer7 check passed, code: ${status}` : `Layer7 wrong status, code: ${status}`);
      });
      sock.on('end', () => finish(false, 'Layer7 invalid response: connection closed'));
    });
  }

  private record(ok: boolean, status: string): void {
    const s = this.server;
    const { rise, fall } = this.opts;
    s.checkStatus = status;
    if (ok) {
      if (s.state === 'DOWN') {
        this.health++;
        if (this.health >= rise) {
          this.health = rise + fall - 1;
          s.setState('UP');
          this.opts.onChange?.(s, `Server ${s.backendName}/${s.name} is UP, reason: ${status}`);
        }
      } else this.health = rise + fall - 1;
    } else {
      s.checkFailures++;
      if (s.state === 'UP') {
        this.health--;
        if (this.health < rise) {
          this.health = 0;
          s.setState('DOWN');
          this.opts.onChange?.(s, `Server ${s.backendName}/${s.name} is DOWN, reason: ${status}`);
        }
      } else this.health = 0;
    }
  }
}
