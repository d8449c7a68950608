import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineOrSkip } from './engine-gate.js';
import { PROJECT_ROOT } from '../../src/version.js';
import { LABEL } from '../../src/engine/labels.js';

const engine = await engineOrSkip();
const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
const home = mkdtempSync(join(tmpdir(), 'docklab-home-'));
const docklab = (...args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env: { CI: 'true', DOCKLAB_HOME: home } });

/** A learner's folder for lab 3: the starter with the reference Dockerfile, or another one. */
function learnerFolder(root: string, name: string, dockerfileFrom: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'templates', 'apps', 'node-hello'), dir, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'labs', '03-my-node-app', dockerfileFrom, 'Dockerfile'), join(dir, 'Dockerfile'));
  return dir;
}

describe.skipIf(!engine)('the learner and instructor workflow through the CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'docklab-learners-'));

  afterAll(async () => {
    await docklab('down', '2', '3', '--images');
  });

  it('verifies a learner folder, writes results.json-style JSON and JUnit XML', { timeout: 300_000 }, async () => {
    const dir = learnerFolder(root, 'alice', 'solution');
    const junit = join(root, 'alice.xml');
    const result = await docklab('verify', '3', '--dir', dir, '--json', '--junit', junit);
    expect(result.exitCode, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ version: 2, status: 'pass', lab: { id: 3 } });
    expect(doc.tests.map((t: { status: string }) => t.status)).toEqual(['pass', 'pass']);
    expect(readFileSync(junit, 'utf8')).toContain('failures="0"');
    const list = JSON.parse((await docklab('list', '--json')).stdout) as Array<{ id: number; last?: { status: string } }>;
    expect(list.find((l) => l.id === 3)?.last?.status).toBe('pass');
  });

  it('judges a class folder, isolated per learner, with a summary CSV', { timeout: 600_000 }, async () => {
    const klass = join(root, 'class');
    learnerFolder(klass, 'alice', 'solution');
    learnerFolder(klass, 'bob', 'broken/no-express');
    writeFileSync(join(learnerFolder(klass, 'carol', 'solution'), 'Dockerfile'), 'FROM node:99\nCOPY . .\n');
    const summary = join(root, 'class.csv');
    const result = await docklab('verify', '3', '--all', klass, '--summary', summary);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('1 of 3 learners passed lab 3');
    const csv = readFileSync(summary, 'utf8');
    expect(csv).toContain('alice,app-answers,pass');
    expect(csv).toMatch(/bob,app-answers,fail,.*exited with code 1/);
    expect(csv).toMatch(/carol,image-builds,fail,.*node:99.*cannot be had here.*node:18/);
  });

  it("judges a state lab from the learner's own container, and removes it only when told", { timeout: 120_000 }, async () => {
    const docker = engine!.docker;
    const container = await docker.createContainer({
      Image: 'nginx:latest',
      name: `learner-web-${process.pid}`,
      ExposedPorts: { '80/tcp': {} },
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] } },
    });
    await container.start();
    try {
      const verified = await docklab('verify', '2');
      expect(verified.exitCode, verified.stdout).toBe(0);
      expect((await container.inspect()).State.Running).toBe(true);
      const again = await docklab('verify', '2', '--cleanup');
      expect(again.stdout).toContain('left in place');
      expect((await container.inspect()).State.Running).toBe(true);
      const cleaned = await docklab('verify', '2', '--cleanup', '--yes');
      expect(cleaned.stdout).toContain(`removed learner-web-${process.pid}`);
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  });

  it('names what holds a port the lab prescribes, and leaves nothing running', { timeout: 60_000 }, async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(8080, '127.0.0.1', r));
    try {
      const result = await docklab('run', '2');
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/host port 8080, which this lab prescribes, is in use by another process.*\[DOCKLAB_PORT_IN_USE\]/);
      const left = await engine!.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.lab}=02`] }) });
      expect(left).toEqual([]);
    } finally {
      holder.close();
    }
  });
});
