import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildkitProgress, decodeTrace, parseVertexName } from '../../src/images/buildkit-trace.js';
import { stepsOf } from '../../src/images/buildkit-build.js';
import { frontendFor, syntaxDirective } from '../../src/images/dockerfile-frontend.js';
import { builderForEngine, builderFromEnv, meansNoBuildkit } from '../../src/images/builder-choice.js';

/**
 * The progress an engine (Docker 20.10's BuildKit) sent for a second build of
 * FROM busybox / RUN echo cached-step / RUN echo "line one" && echo "line two" >&2 && exit 7:
 * the first RUN came from the cache, the second failed again.
 */
function recordedProgress(): BuildkitProgress {
  const progress = new BuildkitProgress();
  const lines = readFileSync(join(import.meta.dirname, 'fixtures', 'buildkit-trace-failing-rebuild.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const line of lines) {
    const event = JSON.parse(line) as { id?: string; aux?: string };
    if (event.id === 'moby.buildkit.trace' && event.aux) progress.add(decodeTrace(Buffer.from(event.aux, 'base64')));
  }
  return progress;
}

describe('BuildKit trace messages', () => {
  it('reads the steps of a build in order, with the cached one marked', () => {
    const steps = stepsOf(recordedProgress());
    expect(steps.map((s) => s.instruction)).toEqual([
      '[1/3] FROM docker.io/library/busybox:latest',
      '[2/3] RUN echo cached-step',
      '[3/3] RUN echo "line one" && echo "line two" >&2 && exit 7',
    ]);
    expect(steps.map((s) => s.keyword)).toEqual(['FROM', 'RUN', 'RUN']);
    expect(steps[1]).toMatchObject({ cached: true, command: 'RUN echo cached-step' });
    expect(steps[2]!.cached).toBe(false);
  });

  it('keeps the failing step with its error and both output streams', () => {
    const failed = recordedProgress().failed();
    expect(failed?.name).toBe('[3/3] RUN echo "line one" && echo "line two" >&2 && exit 7');
    expect(failed?.error).toMatch(/exit code: 7/);
    expect(failed?.output).toEqual(expect.arrayContaining(['line one', 'line two']));
  });

  it('shows progress lines as they come: the step, CACHED, output', () => {
    const progress = new BuildkitProgress();
    const shown: string[] = [];
    const lines = readFileSync(join(import.meta.dirname, 'fixtures', 'buildkit-trace-failing-rebuild.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    for (const line of lines) {
      const event = JSON.parse(line) as { id?: string; aux?: string };
      if (event.id === 'moby.buildkit.trace' && event.aux) shown.push(...progress.add(decodeTrace(Buffer.from(event.aux, 'base64'))));
    }
    const step = shown.find((l) => l.endsWith(' [2/3] RUN echo cached-step'));
    expect(shown).toContain(`${step!.split(' ')[0]} CACHED`);
    expect(shown).toEqual(expect.arrayContaining([expect.stringMatching(/^#\d+ line one$/), expect.stringMatching(/^#\d+ ERROR: .*exit code: 7/)]));
  });

  it('survives a truncated message (reads what it can)', () => {
    const whole = Buffer.from(
      JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'buildkit-trace-failing-rebuild.jsonl'), 'utf8').split('\n')[0]!).aux,
      'base64',
    );
    expect(() => decodeTrace(whole.subarray(0, whole.length - 5))).not.toThrow();
  });

  it('parses vertex names of named stages', () => {
    expect(parseVertexName('[build 2/4] RUN go build -o /app')).toEqual({ stage: 'build', index: 2, total: 4, command: 'RUN go build -o /app' });
    expect(parseVertexName('[internal] load metadata for docker.io/library/golang:1.19')).toBeUndefined();
  });
});

describe('the Dockerfile frontend a build uses', () => {
  it('reads the syntax directive only from the leading comments', () => {
    expect(syntaxDirective('# syntax=docker/dockerfile:1\nFROM x\n')).toBe('docker/dockerfile:1');
    expect(syntaxDirective('# escape=`\n#syntax = docker/dockerfile:1.4\nFROM x\n')).toBe('docker/dockerfile:1.4');
    expect(syntaxDirective('FROM x\n# syntax=docker/dockerfile:1\n')).toBeUndefined();
    expect(syntaxDirective('# a comment\n# syntax=docker/dockerfile:1\nFROM x\n')).toBeUndefined();
  });

  it('uses docker/dockerfile:1 for no line and for 1.x lines; leaves other frontends to the engine', () => {
    expect(frontendFor('FROM x\n', true)).toBe('docker/dockerfile:1');
    expect(frontendFor('# syntax=docker/dockerfile:1.4\nFROM x\n', true)).toBe('docker/dockerfile:1');
    expect(frontendFor('# syntax=docker.io/docker/dockerfile:1.7.1\nFROM x\n', true)).toBe('docker/dockerfile:1');
    expect(frontendFor('# syntax=docker/dockerfile:1-labs\nFROM x\n', true)).toBeUndefined();
    expect(frontendFor('# syntax=example.com/my/frontend\nFROM x\n', true)).toBeUndefined();
    expect(frontendFor('FROM x\n', false)).toBeUndefined();
  });
});

describe('which builder', () => {
  it('follows DOCKER_BUILDKIT as the Docker CLI does', () => {
    expect(builderFromEnv({ DOCKER_BUILDKIT: '0' })).toMatchObject({ kind: 'legacy' });
    expect(builderFromEnv({ DOCKER_BUILDKIT: '1' })).toMatchObject({ kind: 'buildkit' });
    expect(builderFromEnv({})).toBeUndefined();
  });

  it('uses BuildKit on Linux engines with API 1.39 or later, else the legacy builder with the reason', () => {
    expect(builderForEngine('1.41', 'linux')).toMatchObject({ kind: 'buildkit' });
    expect(builderForEngine('1.38', 'linux')).toMatchObject({ kind: 'legacy', reason: expect.stringContaining('1.38') });
    expect(builderForEngine('1.41', 'windows')).toMatchObject({ kind: 'legacy', reason: expect.stringContaining('windows') });
    expect(meansNoBuildkit('Error response from daemon: buildkit not supported by daemon')).toBe(true);
    expect(meansNoBuildkit('executor failed running [/bin/sh -c false]: exit code: 1')).toBe(false);
  });
});

describe('Dockerfile heredocs in the shape reader', () => {
  it('regression: the lines of a RUN <<EOF heredoc are not read as instructions of their own', async () => {
    const { parseDockerfile } = await import('../../src/checks/dockerfile-parse.js');
    const parsed = parseDockerfile('FROM a\nRUN <<EOF\necho hi\nFROM not-a-stage\nEOF\nCOPY <<-"A" <<B /x\n\tone\n\tA\ntwo\nB\nCMD ["x"]\n');
    expect(parsed.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'COPY', 'CMD']);
    expect(parsed[1]!.args).toBe('<<EOF\necho hi\nFROM not-a-stage\nEOF');
    expect(parsed[3]!.line).toBe(11);
  });
});
