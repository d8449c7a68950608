import type Docker from 'dockerode';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoBinary, type GoBinarySpec } from '../engine/go-binary-build.js';
import { LABEL } from '../engine/labels.js';
import { pullImage } from './image-pull.js';

/**
 * The Dockerfile frontend image. A Dockerfile that starts with
 * `# syntax=docker/dockerfile:1` makes BuildKit run this image to read it,
 * and it is what brings today's Dockerfile syntax (heredocs, COPY --link,
 * RUN --mount, …) to an engine whose own BuildKit predates it, as Debian's
 * docker.io 20.10 does. Without a registry, docklab builds a stand-in from
 * the frontend's source in the github.com/moby/buildkit module: the same
 * program the official image holds, in the same place, with its labels.
 */
export const FRONTEND_IMAGE = 'docker/dockerfile';
export const FRONTEND_TAGS = ['1', 'latest'];
export const FRONTEND_REF = `${FRONTEND_IMAGE}:${FRONTEND_TAGS[0]}`;

export const DOCKERFILE_FRONTEND: GoBinarySpec = {
  name: 'dockerfile-frontend',
  module: 'github.com/moby/buildkit',
  version: 'v0.25.1',
  mainPackage: './frontend/dockerfile/cmd/dockerfile-frontend',
  versionVariables: {
    'main.Version': 'buildkit-v0.25.1',
    'main.Package': 'github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend',
  },
  // A static binary: the image holds nothing else.
  tags: ['netgo', 'static_build', 'osusergo'],
  static: true,
};

/** What the stand-in is, for `docklab images` and the image's label. */
export const FRONTEND_STANDIN = `Dockerfile frontend built from github.com/moby/buildkit ${DOCKERFILE_FRONTEND.version}`;

/** The capabilities the official image declares: BuildKit reads them from these labels. */
const FRONTEND_LABELS: Record<string, string> = {
  'moby.buildkit.frontend.network.none': 'true',
  'moby.buildkit.frontend.caps': 'moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts',
};

export interface FrontendOutcome {
  ref: string;
  source: 'present' | 'pulled' | 'built';
  standin?: string;
  durationMs: number;
}

export async function frontendPresent(docker: Docker): Promise<boolean> {
  return docker
    .getImage(FRONTEND_REF)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Present → use it; else pull the official image; else build the stand-in (Go, then a FROM scratch image). */
export async function ensureDockerfileFrontend(
  docker: Docker,
  options: { onLine?: (line: string) => void; signal?: AbortSignal; pull?: boolean } = {},
): Promise<FrontendOutcome> {
  const started = Date.now();
  const present = await docker
    .getImage(FRONTEND_REF)
    .inspect()
    .catch(() => undefined);
  if (present) return { ref: FRONTEND_REF, source: 'present', standin: present.Config?.Labels?.[LABEL.standin], durationMs: Date.now() - started };
  if (options.pull !== false && process.env.DOCKLAB_OFFLINE !== '1') {
    const pulled = await pullImage(docker, FRONTEND_REF, options.onLine);
    if (pulled.ok) return { ref: FRONTEND_REF, source: 'pulled', durationMs: Date.now() - started };
  }
  const binary = await buildGoBinary(DOCKERFILE_FRONTEND, options);
  const context = mkdtempSync(join(tmpdir(), 'docklab-frontend-'));
  try {
    copyFileSync(binary.path, join(context, 'dockerfile-frontend'));
    const labels = { ...FRONTEND_LABELS, [LABEL.standin]: FRONTEND_STANDIN };
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        `LABEL ${Object.entries(labels)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ')}`,
        'COPY dockerfile-frontend /bin/dockerfile-frontend',
        'ENTRYPOINT ["/bin/dockerfile-frontend"]',
        '',
      ].join('\n'),
    );
    // Built with the plain builder on purpose: the frontend cannot be asked to build itself.
    const { buildImage } = await import('./image-build.js');
    await buildImage(docker, {
      contextDir: context,
      tag: FRONTEND_REF,
      logName: 'dockerfile-frontend',
      builder: 'legacy',
      onLine: options.onLine,
      signal: options.signal,
    });
    for (const tag of FRONTEND_TAGS.slice(1)) await docker.getImage(FRONTEND_REF).tag({ repo: FRONTEND_IMAGE, tag });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { ref: FRONTEND_REF, source: 'built', standin: FRONTEND_STANDIN, durationMs: Date.now() - started };
}

/**
 * The frontend a build should use: the Dockerfile's own `# syntax=` line
 * when it names another frontend; docker/dockerfile:1 (present here) when
 * the line names docker/dockerfile 1.x or there is no line, as Docker 23 and
 * later read every Dockerfile with a current frontend. Undefined: leave the
 * choice to the engine.
 */
export function frontendFor(dockerfileText: string, frontendHere: boolean): string | undefined {
  if (!frontendHere) return undefined;
  const syntax = syntaxDirective(dockerfileText);
  if (syntax === undefined) return FRONTEND_REF;
  const match = /^(?:docker\.io\/)?docker\/dockerfile(?::(\S+?))?(?:@sha256:[0-9a-f]+)?$/.exec(syntax);
  if (!match) return undefined;
  const tag = match[1] ?? 'latest';
  // 1, 1.4, 1.7.1, latest: versions our frontend reads (the 1.x syntax only grows); -labs and others are left to the engine.
  return /^(latest|1(\.\d+){0,2})$/.test(tag) ? FRONTEND_REF : undefined;
}

/** The `# syntax=` parser directive: only in the leading comment lines of the file, before any instruction or blank line ends them. */
export function syntaxDirective(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\uFEFF/, '');
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!directive) return undefined;
    if (directive[1]!.toLowerCase() === 'syntax') return directive[2];
  }
  return undefined;
}
