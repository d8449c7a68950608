import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerfileStages, parseDockerfile, variablesUsed } from '../../src/checks/dockerfile-parse.js';
import { execRuns } from '../../src/engine/container-events.js';
import { dockerHubRegistry, plainRegistry } from '../../src/checks/registry-api.js';
import { stripTerminalCodes } from '../../src/engine/terminal-session.js';

describe('reading a Dockerfile', () => {
  const text = [
    '# syntax comment',
    'ARG BASE=golang:1.19',
    'FROM ${BASE} AS build',
    'RUN apt-get update && \\',
    '    # a comment inside a continued line',
    '    apt-get install -y make',
    'ENV GREETING=${GREETING:-hi} OTHER=$HOME',
    '',
    'from scratch',
    'COPY --from=build /out/hello /hello',
  ].join('\n');

  it('joins continued lines, drops comments and keeps line numbers', () => {
    const instructions = parseDockerfile(text);
    expect(instructions.map((i) => i.keyword)).toEqual(['ARG', 'FROM', 'RUN', 'ENV', 'FROM', 'COPY']);
    expect(instructions[2]).toMatchObject({ line: 4, args: 'apt-get update && apt-get install -y make' });
    expect(instructions[4]!.line).toBe(9);
  });

  it('splits stages with their names', () => {
    const stages = dockerfileStages(parseDockerfile(text));
    expect(stages.map((s) => [s.base, s.name])).toEqual([
      ['${BASE}', 'build'],
      ['scratch', undefined],
    ]);
    expect(stages[1]!.instructions.map((i) => i.keyword)).toEqual(['COPY']);
  });

  it('names the variables an instruction uses', () => {
    expect(variablesUsed('GREETING=${GREETING:-hi} OTHER=$HOME')).toEqual(['GREETING', 'HOME']);
  });
});

describe('exec runs from engine events', () => {
  it('pairs exec_start with exec_die by exec id', () => {
    const runs = execRuns([
      { action: 'start', attributes: {}, time: 1 },
      { action: 'exec_create: ls /', attributes: { execID: 'a' }, time: 2 },
      { action: 'exec_start: ls /', attributes: { execID: 'a' }, time: 2 },
      { action: 'exec_die', attributes: { execID: 'a', exitCode: '0' }, time: 3 },
      { action: 'exec_start: bash', attributes: { execID: 'b' }, time: 4 },
    ]);
    expect(runs).toEqual([
      { execId: 'a', command: 'ls /', startedAt: 2, exitCode: 0 },
      { execId: 'b', command: 'bash', startedAt: 4 },
    ]);
  });
});

describe('registries', () => {
  it('speaks plain HTTP to a registry on the loopback', () => {
    const local = plainRegistry('127.0.0.1:5000');
    expect(local.baseUrl).toBe('http://127.0.0.1:5000');
    expect(local.pushName('my-node-app')).toBe('127.0.0.1:5000/my-node-app');
    expect(plainRegistry('registry.example:443').baseUrl).toBe('https://registry.example:443');
  });

  it('finds the Docker Hub account in a config file, or says why not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-config-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('learner:secret').toString('base64') } } }));
    expect(dockerHubRegistry(path).target?.pushName('my-node-app')).toBe('learner/my-node-app');
    writeFileSync(path, JSON.stringify({ auths: {}, credsStore: 'desktop' }));
    expect(dockerHubRegistry(path).problem).toMatch(/credential helper "desktop"/);
    expect(dockerHubRegistry(join(dir, 'missing.json')).problem).toMatch(/--registry HOST:PORT/);
  });
});

describe('terminal transcripts', () => {
  it('lose their colour and cursor codes', () => {
    expect(stripTerminalCodes('\x1b]0;root@abc: /\x07\x1b[01;32mroot@abc\x1b[00m:/# ls\r\n')).toBe('root@abc:/# ls\n');
  });
});
