import { describe, expect, it } from 'vitest';
import { readLabOptions } from '../../src/cli/lab-options.js';
import { pass } from '../../src/lab-kit/check.js';
import type { Lab } from '../../src/labs/lab-definition.js';

const lab = (options: Lab['definition']['options']): Lab =>
  ({
    id: '05',
    number: 5,
    slug: 'x',
    dir: '/x',
    brokenCases: [],
    definition: { title: 't', summary: 's', images: [], evidence: 'state', options, checks: [{ id: 'a', title: 'a', run: async () => pass() }] },
  }) as Lab;

const complaint = (l: Lab, words: string[]) => {
  try {
    readLabOptions(l, words);
    return 'accepted';
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
};

describe("a lab's own command-line options", () => {
  const registry = lab([{ name: 'registry', placeholder: 'host:port', description: 'd' }]);
  const balancer = lab([{ name: 'lb', placeholder: 'balancer', choices: ['haproxy', 'docklab'], default: 'haproxy', description: 'd' }]);

  it('reads --name value and --name=value of the options the lab declares', () => {
    expect(readLabOptions(registry, ['--registry', '127.0.0.1:5000'])).toEqual({ registry: '127.0.0.1:5000' });
    expect(readLabOptions(balancer, ['--lb=docklab'])).toEqual({ lb: 'docklab' });
    expect(readLabOptions(balancer, [])).toEqual({});
  });

  it('refuses, as a usage error, an option the lab does not take, naming those it does', () => {
    expect(complaint(registry, ['--lb', 'docklab'])).toBe("DOCKLAB_USAGE: unknown option '--lb' for lab 5 (its options: --registry <host:port>)");
    expect(complaint(lab(undefined), ['--registry', 'x'])).toBe("DOCKLAB_USAGE: unknown option '--registry' for lab 5 (it takes no options of its own)");
  });

  it('refuses a value outside the choices and a missing value', () => {
    expect(complaint(balancer, ['--lb', 'nginx'])).toBe(
      "DOCKLAB_USAGE: option '--lb <balancer>' argument 'nginx' is invalid. Allowed choices are haproxy, docklab.",
    );
    expect(complaint(registry, ['--registry'])).toBe("DOCKLAB_USAGE: option '--registry <host:port>' argument missing");
    expect(complaint(registry, ['stray'])).toMatch(/^DOCKLAB_USAGE: unexpected 'stray' for lab 5/);
  });
});
