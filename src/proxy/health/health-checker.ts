import type { ConnectionOptions } from 'node:tls';
import type { HttpCheckModel } from '../config/model.js';
import type { CheckProgram } from '../config/check-parser.js';
import { CheckRun, type CheckTarget } from './check-runner.js';
import type { Server } from '../runtime/server.js';

export interface HealthCheckOptions {
  inter: number;
  fastinter: number;
  downinter: number;
  rise: number;
  fall: number;
  timeout: number;
  /** `timeout check`: once connected, the rest of the check has this long (`timeout` then covers the connect only). */
  checkTimeout?: number;
  /** PROXY protocol version default check connections start with. */
  proxyHeader?: 1 | 2;
  port: number;
  http?: HttpCheckModel;
  /** What to send and expect; default: the `http` request, or a plain TCP connect. */
  program?: CheckProgram;
  /** Checks over TLS (`check-ssl`, or `ssl` on the server's own port). */
  tls?: boolean;
  tlsOptions?: ConnectionOptions;
  onChange?: (server: Server, message: string) => void;
  /** `error-limit` (default 10) and `on-error` (default fail-check) for `observe`. */
  errorLimit?: number;
  onError?: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
}

/**
 * Probes one server on its own timer and moves it between UP and DOWN with
 * HAProxy's rise/fall counting. A server starts UP with its health at `rise`,
 * so the first failed probe takes it down, as in HAProxy.
 */
export class HealthChecker {
  private health: number;
  private timer: NodeJS.Timeout | undefined;
  private run: CheckRun | undefined;
  private stopped = false;

  constructor(
    private readonly server: Server,
    private readonly opts: HealthCheckOptions,
  ) {
    this.health = opts.rise;
  }

  start(): void {
    // Spread the first probes so that many servers are not checked at once.
    this.schedule(Math.floor(Math.random() * Math.min(this.opts.inter, 500)));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.run?.cancel();
  }

  private consecutiveErrors = 0;

  /**
   * Traffic seen by `observe`: after `error-limit` consecutive errors the
   * `on-error` action runs (a failed check; sudden-death leaves one more
   * failure before down; mark-down takes the server down) and the next check
   * comes after `fastinter`.
   */
  observe(ok: boolean, what: string): void {
    if (ok) {
      this.consecutiveErrors = 0;
      return;
    }
    this.consecutiveErrors++;
    if (this.consecutiveErrors < (this.opts.errorLimit ?? 10)) return;
    const msg = `Detected ${this.consecutiveErrors} consecutive errors, last one was: ${what}`;
    this.consecutiveErrors = 0;
    const { rise } = this.opts;
    const action = this.opts.onError ?? 'fail-check';
    if (action === 'sudden-death' && this.health > rise) this.health = rise + 1;
    if (action === 'mark-down') this.health = rise;
    if (action !== 'fastinter' && this.server.state === 'UP') this.record(false, msg);
    if (!this.run && !this.stopped) {
      clearTimeout(this.timer);
      this.schedule(this.opts.fastinter);
    }
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
    if (this.server.state === 'MAINT' || this.server.adminMaint || this.server.adminChecksOff) {
      this.schedule(this.opts.inter);
      return;
    }
    const started = Date.now();
    const program: CheckProgram = this.opts.program ?? legacyProgram(this.opts.http);
    const target: CheckTarget = {
      host: this.server.address,
      port: this.opts.port,
      tls: this.opts.tls ?? false,
      ...(this.opts.tlsOptions ? { tlsOptions: this.opts.tlsOptions } : {}),
      ...(this.opts.proxyHeader ? { proxyHeader: this.opts.proxyHeader } : {}),
    };
    this.run = new CheckRun(
      program,
      target,
      this.opts.timeout,
      ({ ok, status, conditional }) => {
        this.run = undefined;
        // A 404 under disable-on-404 keeps an up server up but out of load balancing; a down one stays down.
        const passed = ok && !(conditional && this.server.state !== 'UP');
        this.server.checkNolb = passed && conditional === true;
        this.record(passed, `${status}, check duration: ${Date.now() - started}ms`);
        this.schedule(this.nextDelay());
      },
      this.opts.checkTimeout,
    );
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

/** The program of a bare `option httpchk` (or a TCP connect without it). */
function legacyProgram(http: HttpCheckModel | undefined): CheckProgram {
  const at = http?.loc ?? { file: '', line: 0 };
  if (!http) return { kind: 'tcp', rules: [{ kind: 'connect', loc: at }] };
  const rules: CheckProgram['rules'] = [
    { kind: 'connect', loc: at },
    { kind: 'send-http', method: http.method, uri: http.uri, version: http.version, headers: http.headers, loc: at },
  ];
  if (http.expectStatus.length)
    rules.push({ kind: 'expect', negate: false, what: 'status', pattern: http.expectStatus.map(([a, b]) => `${a}-${b}`).join(','), loc: at });
  return { kind: 'http', rules };
}
