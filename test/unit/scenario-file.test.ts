import { describe, expect, it } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, parseScenario } from '../../src/lab-kit/scenario/scenario-file.js';
import { LABS_DIR } from '../../src/labs/lab-paths.js';

function errorOf(text: string, variables: Record<string, string> = {}): string {
  try {
    parseScenario(text, 'scenario.yaml', variables);
  } catch (error) {
    return `${(error as { code?: string }).code} ${(error as Error).message}`;
  }
  return 'no error';
}

describe('scenario files', () => {
  it('takes a network with a fixed subnet, and says what is wrong with a bad one', () => {
    const scenario = parseScenario('steps:\n  - network: { name: app-net, subnet: 172.16.238.0/24 }\n', 'scenario.yaml');
    expect(scenario.steps[0]).toEqual({ network: { name: 'app-net', subnet: '172.16.238.0/24' } });
    expect(errorOf('steps:\n  - network: { name: app-net, subnet: 172.16.238.0 }\n')).toMatch(/^DOCKLAB_LAB_INVALID scenario\.yaml:2:.*step 1 \(network\)/);
  });

  it('reads every step kind into typed steps', () => {
    const scenario = parseScenario(
      [
        'steps:',
        '  - network: app-net',
        '  - volume: data',
        '  - build: { image: app, dir: app, args: { STAMP: 1 } }',
        '  - run: { name: web, image: app, ports: { "80": 0 }, volumes: ["data:/data:ro"], network: app-net, cpus: 0.5, memory: 32m }',
        '  - tag: { image: app, from: latest, to: v1 }',
        '  - push: { image: app, tag: v1, to: registry }',
        '  - exec: { container: web, cmd: [ls, /] }',
        '  - attach: { container: web, input: [ls, exit] }',
        '  - sql: { container: db, statements: ["SELECT 1"] }',
        '  - wait: { container: web, for: http, port: 80 }',
        '  - remove: { container: web }',
        '  - prune: images',
        '  - compose: down',
      ].join('\n'),
      'scenario.yaml',
    );
    expect(scenario.steps.map((s) => Object.keys(s)[0])).toEqual([
      'network',
      'volume',
      'build',
      'run',
      'tag',
      'push',
      'exec',
      'attach',
      'sql',
      'wait',
      'remove',
      'prune',
      'compose',
    ]);
    expect(scenario.steps[2]).toEqual({ build: { image: 'app', dir: 'app', args: { STAMP: '1' } } });
  });

  it('names the line and column of an unknown key in a run step', () => {
    const text = ['steps:', '  - run:', '      name: web', '      image: nginx', '      prots: { "80": 0 }'].join('\n');
    expect(errorOf(text)).toBe("DOCKLAB_LAB_INVALID scenario.yaml:5:7: step 1 (run): unknown key 'prots' in run");
  });

  it('names the line and column of a value of the wrong type', () => {
    const text = ['steps:', '  - network: app-net', '  - run:', '      name: web', '      image: nginx', '      ports: { "80": eighty }'].join('\n');
    expect(errorOf(text)).toBe('DOCKLAB_LAB_INVALID scenario.yaml:6:22: step 2 (run): run.ports.80: Invalid input: expected number, received string');
  });

  it('names the line of an unknown step', () => {
    expect(errorOf(['steps:', '  - network: a', '  - start: web'].join('\n'))).toMatch(
      /^DOCKLAB_LAB_INVALID scenario\.yaml:3:5: unknown step 'start'; a step is one of network, volume, build/,
    );
  });

  it('refuses a step with two commands', () => {
    expect(errorOf(['steps:', '  - network: a', '    volume: b'].join('\n'))).toMatch(
      /^DOCKLAB_LAB_INVALID scenario\.yaml:2:5: step 1 must have exactly one command, not network and volume/,
    );
  });

  it('reports a YAML syntax error with its line', () => {
    expect(errorOf(['steps:', '  - run: { name: web', '  - network: a'].join('\n'))).toMatch(/^DOCKLAB_LAB_INVALID scenario\.yaml:\d+:\d+: not valid YAML/);
  });

  it('refuses a scenario without steps and an unknown top-level key', () => {
    expect(errorOf('steps: []')).toMatch(/^DOCKLAB_LAB_INVALID scenario\.yaml:1:8: `steps:` must be a list/);
    expect(errorOf(['steps:', '  - network: a', 'stpes: 1'].join('\n'))).toBe(
      "DOCKLAB_LAB_INVALID scenario.yaml:3:1: unknown key 'stpes' (a scenario has description and steps)",
    );
  });

  it('fills variables, as numbers where a variable is the whole value', () => {
    const scenario = parseScenario(
      ['steps:', '  - run: { name: w, image: "busybox:${TAG}", cpus: "${MACHINE_CPUS}", ports: { "514": "${FREE_PORT}" } }'].join('\n'),
      's.yaml',
      {
        TAG: 'latest',
        MACHINE_CPUS: '4',
        FREE_PORT: '40123',
      },
    );
    expect(scenario.steps[0]).toEqual({ run: { name: 'w', image: 'busybox:latest', cpus: 4, ports: { '514': 40123 } } });
  });

  it('names the line of an unknown variable', () => {
    expect(errorOf(['steps:', '  - network: a', '  - run: { name: w, image: "x:${NOPE}" }'].join('\n'), { FREE_PORT: '1' })).toBe(
      'DOCKLAB_LAB_INVALID scenario.yaml:3:28: unknown variable ${NOPE}; known: FREE_PORT',
    );
  });

  it('every scenario.yaml under labs/ is valid', () => {
    const variables = {
      RUN_ID: 'r1',
      FREE_PORT: '1',
      FREE_UDP_PORT: '2',
      MACHINE_CPUS: '2',
      MACHINE_NANOCPUS: '2000000000',
      MACHINE_MEMORY: '1',
      TWICE_MACHINE_MEMORY: '2',
    };
    const files: string[] = [];
    for (const lab of readdirSync(LABS_DIR)) {
      for (const kind of ['solution', 'broken', 'alternatives']) {
        const dir = join(LABS_DIR, lab, kind);
        if (!existsSync(dir)) continue;
        const folders = kind === 'solution' ? [dir] : readdirSync(dir).map((c) => join(dir, c));
        for (const folder of folders) if (existsSync(join(folder, 'scenario.yaml'))) files.push(join(folder, 'scenario.yaml'));
      }
    }
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) expect(() => loadScenario(file, variables), file).not.toThrow();
  });
});
