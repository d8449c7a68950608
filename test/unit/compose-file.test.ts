import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckFailure } from '../../src/checks/check.js';
import { readComposeFile } from '../../src/engine/compose-project.js';

function fileWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-compose-test-'));
  writeFileSync(join(dir, 'docker-compose.yml'), text);
  return join(dir, 'docker-compose.yml');
}

function failureOf(text: string): CheckFailure {
  try {
    readComposeFile(fileWith(text));
  } catch (error) {
    if (error instanceof CheckFailure) return error;
    throw error;
  }
  throw new Error('no failure');
}

describe('readComposeFile', () => {
  it('reads services, networks and named volumes, leaving external ones out', () => {
    const file = readComposeFile(
      fileWith(
        'version: "3.8"\nservices:\n  web:\n    image: nginx\n  db:\n    image: mysql\nnetworks:\n  back:\n  outside:\n    external: true\nvolumes:\n  data:\n',
      ),
    );
    expect(file.version).toBe('3.8');
    expect(Object.keys(file.services)).toEqual(['web', 'db']);
    expect(file.networks).toEqual(['back']);
    expect(file.volumes).toEqual(['data']);
  });

  it('names the over-indented line itself', () => {
    const failure = failureOf('services:\n  web:\n    image: nginx:latest\n     ports:\n      - "80"\n');
    expect(failure.found).toContain('line 4');
    expect(failure.found).toContain('indented deeper');
  });

  it('says a tab is not indentation', () => {
    const failure = failureOf('services:\n  web:\n\timage: nginx\n');
    expect(failure.found).toContain('line 3');
    expect(failure.found).toContain('tab');
  });

  it('reports an unclosed bracket with a line', () => {
    const failure = failureOf('services:\n  web:\n    image: nginx\n    ports: ["80"\n');
    expect(failure.found).toMatch(/line \d/);
  });

  it('wants a services mapping', () => {
    expect(failureOf('web:\n  image: nginx\n').expected).toContain('services');
    expect(failureOf('').found).toContain('empty');
  });
});
