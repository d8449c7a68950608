import { execa } from 'execa';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { DocklabError } from '../errors.js';
import { stateDir } from '../util/state-dir.js';
import { join } from 'node:path';

/**
 * Real database servers the proxy's TCP health checks (mysql-check,
 * pgsql-check, redis-check) are proven against. The tests start their own
 * instances on free ports with private data folders; a system service the
 * package may start on install (where systemd runs) is never used by them.
 */
export const CHECKED_SERVER_PACKAGES = ['mariadb-server', 'postgresql', 'redis-server'];

/**
 * The headless browser that renders the class report page (`--summary
 * class.html`) in the engine tests, read back through the DevTools protocol.
 */
export const BROWSER_PACKAGES = ['chromium'];

/**
 * Debian packages that set-up installs, each for a reason:
 * the engine and Compose; debootstrap for the stand-ins' base; haproxy and
 * wrk for the proxy's conformance tests and benchmarks; the database clients
 * the data labs' tests compare against; chromium for the class page's browser test.
 */
/**
 * The swarm test's own cluster: network namespaces, veth pairs and a bridge (iproute2);
 * nsenter and unshare come with util-linux, iptables with docker.io.
 */
export const SWARM_TEST_PACKAGES = ['iproute2'];

export const SETUP_PACKAGES = [
  'docker.io',
  'docker-compose',
  'debootstrap',
  'haproxy',
  'wrk',
  ...CHECKED_SERVER_PACKAGES,
  ...BROWSER_PACKAGES,
  ...SWARM_TEST_PACKAGES,
];

export function isDebianLike(): boolean {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

export async function missingPackages(packages = SETUP_PACKAGES): Promise<string[]> {
  const missing: string[] = [];
  for (const name of packages) {
    const result = await execa('dpkg-query', ['-W', '-f=${Status}', name], { reject: false });
    if (!String(result.stdout).includes('install ok installed')) missing.push(name);
  }
  return missing;
}

export function assertCanInstall(): void {
  if (process.platform !== 'linux' || !isDebianLike()) {
    throw new DocklabError(
      'DOCKLAB_SETUP_UNSUPPORTED',
      'automatic set-up works on Debian or Ubuntu only: install Docker Engine (https://docs.docker.com/engine/install/) and start it, then run `npm run setup` again',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new DocklabError(
      'DOCKLAB_SETUP_UNSUPPORTED',
      `set-up must install packages as root: run \`sudo npm run setup\`, or \`sudo apt-get install ${SETUP_PACKAGES.join(' ')}\` and start the engine yourself`,
    );
  }
}

export async function installPackages(packages: string[], onLine?: (line: string) => void): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const run = execa('apt-get', args, { env, all: true, reject: false });
    run.all?.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => onLine?.(l)),
    );
    const result = await run;
    if (result.exitCode !== 0) {
      const tail = String(result.all ?? '')
        .split('\n')
        .slice(-6);
      throw new DocklabError(
        'DOCKLAB_SETUP_FAILED',
        `apt-get ${args[0]} failed (exit ${result.exitCode}); check the apt sources and network, then run \`npm run setup\` again`,
        { details: tail },
      );
    }
  }
}

/**
 * Starts the engine: through systemd where it runs, else dockerd in the
 * background (containers and CI machines have no init system), logging to
 * docklab's state folder. Returns once the socket answers.
 */
export async function startEngine(waitForEngine: () => Promise<boolean>): Promise<string> {
  if (existsSync('/run/systemd/system')) {
    await execa('systemctl', ['start', 'docker'], { reject: false });
    if (await poll(waitForEngine, 30_000)) return 'systemctl start docker';
  }
  const logPath = join(stateDir('logs'), 'dockerd.log');
  const log = openSync(logPath, 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  if (await poll(waitForEngine, 60_000)) return `dockerd in the background (log: ${logPath})`;
  throw new DocklabError('DOCKLAB_SETUP_FAILED', `dockerd did not answer within 60 s; its log is ${logPath}`);
}

async function poll(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
