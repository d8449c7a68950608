import type Docker from 'dockerode';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { DocklabError } from '../errors.js';
import { LABEL } from '../engine/labels.js';
import { TEMPLATES_DIR } from './catalog.js';
import { assertMirrorReachable, debianMirror } from './debian-mirror.js';
import { buildImage } from './image-build.js';
import { pullImage } from './image-pull.js';

/** Every stand-in is built FROM this image. */
export const BASE_IMAGE = 'docklab/base:bookworm';
/** The bare root filesystem, before the base adds the machine's trust anchors. */
export const ROOTFS_IMAGE = 'docklab/rootfs:bookworm';

/** Trust anchors the machine added itself (a TLS-inspecting gateway's CA, a company CA). */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

export interface BaseImageOptions {
  onLine?: (line: string) => void;
  buildArgs?: Record<string, string>;
  networkMode?: string;
}

async function exists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** docklab/base:bookworm: the official debian image if it can be had, else debootstrap's. */
export async function ensureBaseImage(docker: Docker, options: BaseImageOptions = {}): Promise<void> {
  if (await exists(docker, BASE_IMAGE)) return;
  const rootfs = await ensureRootfs(docker, options);
  const context = mkdtempSync(join(tmpdir(), 'docklab-base-'));
  try {
    copyFileSync(join(TEMPLATES_DIR, 'base', 'Dockerfile'), join(context, 'Dockerfile'));
    const caDir = join(context, 'extra-ca');
    mkdirSync(caDir);
    writeFileSync(join(caDir, '.keep'), '');
    for (const file of localCaFiles()) copyFileSync(file, join(caDir, file.split('/').pop()!));
    await buildImage(docker, {
      contextDir: context,
      tag: BASE_IMAGE,
      buildArgs: { ...options.buildArgs, ROOTFS: rootfs },
      networkMode: options.networkMode,
      labels: { [LABEL.standin]: 'debian bookworm (docklab base)' },
      logName: 'base',
      onLine: options.onLine,
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

function localCaFiles(): string[] {
  const files: string[] = [];
  if (existsSync(LOCAL_CA_DIR)) {
    for (const name of readdirSync(LOCAL_CA_DIR)) if (name.endsWith('.crt')) files.push(join(LOCAL_CA_DIR, name));
  }
  const extra = process.env.DOCKLAB_EXTRA_CA_CERTS;
  if (extra && existsSync(extra)) files.push(extra);
  return files;
}

async function ensureRootfs(docker: Docker, options: BaseImageOptions): Promise<string> {
  if (await exists(docker, ROOTFS_IMAGE)) return ROOTFS_IMAGE;
  const official = 'debian:bookworm';
  if (await exists(docker, official)) {
    const labels = (await docker.getImage(official).inspect()).Config?.Labels ?? {};
    if (!labels[LABEL.standin]) return official;
  }
  if ((await pullImage(docker, official, options.onLine)).ok) return official;
  await debootstrapRootfs(docker, options.onLine);
  return ROOTFS_IMAGE;
}

/** Things a slim Debian image leaves out; dpkg is told to keep leaving them out. */
const SLIM_EXCLUDES = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*', '/usr/share/lintian/*'];

async function debootstrapRootfs(docker: Docker, onLine?: (line: string) => void): Promise<void> {
  const { execa } = await import('execa');
  const mirror = debianMirror();
  if (process.getuid?.() !== 0) {
    throw new DocklabError('DOCKLAB_SETUP_UNSUPPORTED', `building the base image with debootstrap needs root: run \`sudo npm run setup\``);
  }
  const which = await execa('sh', ['-c', 'command -v debootstrap'], { reject: false });
  if (which.exitCode !== 0) {
    throw new DocklabError('DOCKLAB_SETUP_UNSUPPORTED', 'debootstrap is not installed: run `apt-get install debootstrap` (or `npm run setup`, which does)');
  }
  await assertMirrorReachable(mirror);
  const dir = mkdtempSync(join(tmpdir(), 'docklab-rootfs-'));
  try {
    onLine?.(`debootstrap bookworm from ${mirror}`);
    const run = execa('debootstrap', ['--variant=minbase', 'bookworm', dir, mirror], { all: true, reject: false });
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
        .slice(-8);
      throw new DocklabError(
        'DOCKLAB_IMAGE_BUILD_FAILED',
        `debootstrap from ${mirror} failed (exit ${result.exitCode}); set DOCKLAB_DEBIAN_MIRROR to another mirror if this one is at fault`,
        { details: tail },
      );
    }
    for (const path of ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale', 'usr/share/info']) {
      await execa('find', [join(dir, path), '-mindepth', '1', '-delete'], { reject: false });
    }
    await execa('sh', ['-c', `rm -f ${join(dir, 'var/cache/apt')}/*.bin`]);
    writeFileSync(join(dir, 'etc/dpkg/dpkg.cfg.d/docklab-slim'), SLIM_EXCLUDES.map((p) => `path-exclude=${p}`).join('\n') + '\n');
    writeFileSync(join(dir, 'etc/apt/apt.conf.d/docklab-slim'), 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n');
    // tar(1), not a JavaScript tar writer: a root filesystem holds device
    // nodes (/dev/console, /dev/null) and exact ownership that must survive.
    const tar = spawn('tar', ['-C', dir, '--numeric-owner', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = (await docker.importImage(
      tar.stdout as unknown as NodeJS.ReadableStream,
      {
        repo: 'docklab/rootfs',
        tag: 'bookworm',
        changes: ['CMD ["bash"]', 'ENV LANG=C.UTF-8'],
      } as never,
    )) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (e) => (e ? reject(e) : resolve())));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
