import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { biggestFiles, collectContext, contextTar } from '../../src/images/build-context.js';
import { assertDockerfileUsable, defaultDockerfile } from '../../src/images/image-build.js';
import { DocklabError } from '../../src/errors.js';

/** Reads a tar stream with GNU tar: names (as bytes, hex for the odd ones), types, modes, owners, link targets. */
async function listTar(dir: string, extra: Array<{ name: string; content: string }> = []): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of contextTar(collectContext(dir), extra)) chunks.push(chunk as Buffer);
  const listed = await execa('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', '-'], { input: Buffer.concat(chunks), encoding: 'buffer' });
  return Buffer.from(listed.stdout as unknown as Uint8Array)
    .toString('latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      return `${mode} ${owner} ${rest.join(' ')}`;
    });
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'docklab-context-test-'));
}

describe('the build context is what `docker build` sends', () => {
  it('honours .dockerignore with wildcards, ** and ! exceptions; always sends the Dockerfile and .dockerignore', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, '.dockerignore'), '*.log\n!keep.log\nnode_modules\n**/secret.txt\nDockerfile\n.dockerignore\n');
    for (const f of ['a.log', 'keep.log', 'app.js']) writeFileSync(join(dir, f), f);
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'x', 'index.js'), '');
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'deep', 'secret.txt'), 's');
    writeFileSync(join(dir, 'src', 'deep', 'ok.txt'), 'ok');
    writeFileSync(join(dir, 'src', 'b.log'), 'not at the root: *.log does not reach it');
    const names = collectContext(dir).entries.map((e) => e.name.toString());
    expect(names.sort()).toEqual(['.dockerignore', 'Dockerfile', 'app.js', 'keep.log', 'src', 'src/b.log', 'src/deep', 'src/deep/ok.txt'].sort());
  });

  it('regression: a file with a non-UTF-8 name is sent byte for byte and does not break the rest (COPY package.json: file not found)', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, 'package.json'), '{}');
    writeFileSync(Buffer.from(join(dir, '\xff\xfe-odd.txt'), 'latin1'), 'x');
    const listing = await listTar(dir);
    expect(listing.some((l) => l.endsWith('package.json'))).toBe(true);
    expect(listing.some((l) => l.endsWith('\xff\xfe-odd.txt'))).toBe(true);
  });

  it('regression: symlinks are sent as symlinks, never followed (a loop index.js -> index.js is no error)', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    symlinkSync('index.js', join(dir, 'index.js'));
    symlinkSync('/etc/passwd', join(dir, 'outside'));
    const listing = await listTar(dir);
    expect(listing).toContain('lrwxrwxrwx 0/0 index.js -> index.js');
    expect(listing).toContain('lrwxrwxrwx 0/0 outside -> /etc/passwd');
  });

  it('keeps file modes, owns everything as 0/0, and handles names longer than 100 bytes', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(dir, 'run.sh'), 0o750);
    const long = 'd'.repeat(80);
    mkdirSync(join(dir, long));
    writeFileSync(join(dir, long, `${'f'.repeat(60)}.txt`), 'long');
    const listing = await listTar(dir, [{ name: '.docklab.Dockerfile', content: 'FROM scratch\nLABEL a=b\n' }]);
    expect(listing).toContain('-rwxr-x--- 0/0 run.sh');
    expect(listing).toContain(`-rw-r--r-- 0/0 ${long}/${'f'.repeat(60)}.txt`);
    expect(listing).toContain('-rw-r--r-- 0/0 .docklab.Dockerfile');
  });

  it('counts the bytes sent and names the biggest files for the large-context warning', () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(300_000));
    writeFileSync(join(dir, 'small.txt'), 'x');
    const context = collectContext(dir);
    expect(context.totalBytes).toBe(300_000 + 1 + 'FROM scratch\n'.length);
    expect(biggestFiles(context, 1)).toEqual([{ name: 'big.bin', size: 300_000 }]);
  });

  it('regression: a Dockerfile named `dockerfile` is used as `docker build .` uses it', () => {
    const dir = folder();
    writeFileSync(join(dir, 'dockerfile'), 'FROM scratch\n');
    expect(defaultDockerfile(dir)).toBe('dockerfile');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    expect(defaultDockerfile(dir)).toBe('Dockerfile');
  });

  it('regression: an empty Dockerfile is one clear line with a code, not "no build stage in current context"', () => {
    const dir = folder();
    writeFileSync(join(dir, 'Dockerfile'), '# only a comment\n\n');
    expect(() => assertDockerfileUsable(dir, 'Dockerfile')).toThrow(DocklabError);
    expect(() => assertDockerfileUsable(dir, 'Dockerfile')).toThrow(/is empty: a Dockerfile starts with a FROM line/);
  });
});
