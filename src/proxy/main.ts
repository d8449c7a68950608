import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { DocklabError, isDocklabError } from '../errors.js';
import { loadConfig, startProxyFromFile, type RunningProxy } from './index.js';
import { installStickWorker } from './stick/stick-shared.js';
import { StickHost, readStickConfig } from './stick/stick-host.js';

/** Where the haproxy image keeps its configuration; used when -f is not given. */
const DEFAULT_CONFIG = '/usr/local/etc/haproxy/haproxy.cfg';

interface MainOptions {
  file: string;
  checkOnly: boolean;
  workers: number | undefined;
}

function parseArgs(argv: readonly string[]): MainOptions {
  const o: MainOptions = { file: DEFAULT_CONFIG, checkOnly: false, workers: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--file') {
      const v = argv[++i];
      if (!v) throw usage('-f needs a file');
      o.file = v;
    } else if (a === '-c' || a === '--check') o.checkOnly = true;
    else if (a === '--workers') {
      const v = argv[++i];
      o.workers = v === 'auto' ? availableParallelism() : Number(v);
      if (!Number.isInteger(o.workers) || o.workers < 1) throw usage('--workers needs a whole number or auto');
    } else if (a === '-W' || a === '-db') {
      /* haproxy image flags: master-worker and foreground are how we run anyway */
    } else throw usage(`unknown argument '${a}'`);
  }
  return o;
}

function usage(msg: string): DocklabError {
  return new DocklabError('DOCKLAB_USAGE', `${msg}; usage: proxy [-c] [-f haproxy.cfg] [--workers N|auto]`);
}

function report(e: unknown): void {
  if (isDocklabError(e)) {
    process.stderr.write(`docklab proxy: ${e.message} [${e.code}]\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(
      `docklab proxy: internal error: ${e instanceof Error ? e.stack : String(e)}\n[DOCKLAB_INTERNAL] please report this with the command you ran\n`,
    );
    process.exitCode = 3;
  }
}

/**
 * Runs the proxy in the foreground until SIGTERM/SIGINT. SIGHUP reloads the
 * file; a broken file is reported and the running configuration stays.
 * With `--workers N` (or `nbthread N` in global) N processes share the
 * listening sockets, one per core.
 */
export async function runProxyMain(argv: readonly string[]): Promise<void> {
  let opts: MainOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    report(e);
    return;
  }
  if (opts.checkOnly) {
    try {
      const { config, router } = await loadConfig(opts.file);
      router.retire();
      for (const w of config.warnings) process.stderr.write(`${w}\n`);
      process.stdout.write('Configuration file is valid\n');
    } catch (e) {
      report(e);
    }
    return;
  }
  let workers = opts.workers;
  if (workers === undefined && cluster.isPrimary) {
    try {
      const { config, router } = await loadConfig(opts.file);
      router.retire();
      workers = config.global.nbthread;
    } catch (e) {
      report(e);
      return;
    }
  }
  if (cluster.isPrimary && workers !== undefined && workers > 1) {
    await runPrimary(opts, workers);
    return;
  }
  await runSingle(opts);
}

async function runSingle(opts: MainOptions): Promise<void> {
  let proxy: RunningProxy;
  if (cluster.isWorker) {
    // Stick tables live in the primary so that limits hold for the whole proxy.
    const onStick = installStickWorker((m) => process.send?.(m as object));
    process.on('message', (m) => {
      onStick(m);
    });
  }
  try {
    proxy = await startProxyFromFile(opts.file);
  } catch (e) {
    report(e);
    if (cluster.isWorker) process.exit(process.exitCode ?? 2);
    return;
  }
  for (const a of proxy.addresses) process.stderr.write(`docklab proxy: ${a.frontend} listening on ${a.host}:${a.port}${a.ssl ? ' (tls)' : ''}\n`);
  if (cluster.isWorker) process.send?.('ready');
  await new Promise<void>((resolve) => {
    const onHup = () => {
      proxy.reload().then(
        () => process.stderr.write('docklab proxy: configuration reloaded\n'),
        (e: unknown) =>
          process.stderr.write(
            `docklab proxy: reload refused, still serving the previous configuration: ${isDocklabError(e) ? `${e.message} [${e.code}]` : String(e)}\n`,
          ),
      );
    };
    const onStop = () => {
      process.removeListener('SIGHUP', onHup);
      process.removeListener('SIGTERM', onStop);
      process.removeListener('SIGINT', onStop);
      process.removeListener('SIGUSR1', onStop);
      proxy.close().then(resolve, resolve);
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGUSR1', onStop);
    if (cluster.isWorker)
      process.on('message', (m) => {
        if (m === 'reload') onHup();
        else if (m === 'stop') onStop();
      });
  });
  if (cluster.isWorker) process.exit(0);
}

async function runPrimary(opts: MainOptions, n: number): Promise<void> {
  // Each worker accepts on the shared socket itself; the kernel spreads connections.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: fileURLToPathSafe(import.meta.url), args: ['-f', opts.file] });
  let stopping = false;
  let everReady = false;
  let reloadPending = false;
  const ready = new Set<number>();
  const live = () => Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  const each = (m: string) => {
    for (const w of live()) w!.send(m);
  };
  // Stick tables are held here; workers send their table operations.
  const stick = new StickHost();
  const loadStick = () => {
    const c = readStickConfig(opts.file);
    if (c) stick.load(c);
  };
  loadStick();
  // A reload waits until every worker is up, so that none misses it.
  const reload = () => {
    loadStick();
    if (ready.size < live().length) {
      reloadPending = true;
      return;
    }
    each('reload');
  };
  const fork = () => {
    const w = cluster.fork();
    w.on('message', (m) => {
      if (stick.handle(m, (r) => w.send(r))) return;
      if (m !== 'ready') return;
      // A worker still loading the file when the stop came had no handler for it yet: tell it again now that it has one.
      if (stopping) {
        w.send('stop');
        return;
      }
      ready.add(w.id);
      if (ready.size >= n) everReady = true;
      if (reloadPending && ready.size === live().length) {
        reloadPending = false;
        each('reload');
      }
    });
  };
  const stop = () => {
    stopping = true;
    each('stop');
  };
  // Handlers before the first fork: a stop that lands while workers are being forked must not kill the primary alone.
  process.on('SIGHUP', reload);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGUSR1', stop);
  for (let i = 0; i < n; i++) fork();
  cluster.on('exit', (w, code) => {
    ready.delete(w.id);
    if (stopping) return;
    if (code === 2 && !everReady) {
      process.stderr.write('docklab proxy: a worker refused the configuration; stopping\n');
      process.exitCode = 2;
      stop();
      return;
    }
    // Replace a lost worker; if the file on disk is broken now, try again later.
    const delay = code === 2 ? 5000 : 0;
    if (code === 2) process.stderr.write('docklab proxy: a replacement worker refused the current file; retrying in 5s\n');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stopping && live().length === 0) {
        clearInterval(check);
        resolve();
      }
    }, 50);
  });
}

function fileURLToPathSafe(url: string): string {
  return new URL(url).pathname;
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  void runProxyMain(process.argv.slice(2));
}
