import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/version.js';
import { loadFolder } from '../../src/labs/lab-loader.js';
import { defineLab } from '../../src/labs/lab-definition.js';
import { DocklabError } from '../../src/errors.js';
import { portConflict } from '../../src/engine/host-port.js';
import { parseParallel } from '../../src/cli/commands/verify-command.js';
import { usageLine } from '../../src/cli/main.js';
import { pass } from '../../src/checks/check.js';

/**
 * Every bad input gets one line ending with its code and exit 2, and is
 * caught before anything runs: no run begins (no run folder in the state
 * folder), so nothing can be left running.
 */
const CLI = join(PROJECT_ROOT, 'bin', 'docklab');
const scratch = mkdtempSync(join(tmpdir(), 'docklab-bad-input-'));

function learner(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

const lab3 = () => learner(`lab3-${Math.random().toString(36).slice(2)}`, { Dockerfile: 'FROM node:18\n', 'index.js': '', 'package.json': '{}' });
const classDir = join(scratch, 'class');
mkdirSync(join(classDir, 'ada'), { recursive: true });
const bogusConfig = mkdtempSync(join(tmpdir(), 'docker-config-'));
writeFileSync(join(bogusConfig, 'config.json'), JSON.stringify({ currentContext: 'gone' }));

interface BadInput {
  what: string;
  args: string[];
  env?: Record<string, string>;
  code: string;
  message: RegExp;
}

const CASES: BadInput[] = [
  {
    what: 'an output folder that does not exist (--junit)',
    args: ['verify', '3', '--dir', lab3(), '--junit', '/nonexistent/dir/x.xml'],
    code: 'DOCKLAB_FILE_MISSING',
    message: /--junit \/nonexistent\/dir\/x\.xml: folder \/nonexistent\/dir does not exist/,
  },
  {
    what: 'an output folder that does not exist (--summary)',
    args: ['verify', '19', '--all', classDir, '--summary', '/nonexistent/dir/class.csv'],
    code: 'DOCKLAB_FILE_MISSING',
    message: /--summary .*does not exist/,
  },
  {
    what: '--junit naming a folder',
    args: ['verify', '3', '--dir', lab3(), '--junit', scratch],
    code: 'DOCKLAB_USAGE',
    message: /--junit .* is a folder; name a file/,
  },
  {
    what: '--summary without --all',
    args: ['verify', '3', '--dir', lab3(), '--summary', join(scratch, 's.csv')],
    code: 'DOCKLAB_USAGE',
    message: /--summary goes with --all/,
  },
  {
    what: '--parallel 0',
    args: ['verify', '19', '--all', classDir, '--parallel', '0'],
    code: 'DOCKLAB_USAGE',
    message: /--parallel takes a whole number from 1 to 16 .*not '0'/,
  },
  { what: '--parallel abc', args: ['verify', '19', '--all', classDir, '--parallel', 'abc'], code: 'DOCKLAB_USAGE', message: /not 'abc'/ },
  { what: '--parallel 2.5', args: ['verify', '19', '--all', classDir, '--parallel', '2.5'], code: 'DOCKLAB_USAGE', message: /not '2\.5'/ },
  {
    what: 'a bogus DOCKER_CONTEXT',
    args: ['run', '2'],
    env: { DOCKER_CONTEXT: 'bogus' },
    code: 'DOCKLAB_ENGINE_UNREACHABLE',
    message: /context "bogus": context not found \(named by DOCKER_CONTEXT\)/,
  },
  {
    what: 'a bogus DOCKER_CONTEXT (doctor)',
    args: ['doctor'],
    env: { DOCKER_CONTEXT: 'bogus' },
    code: 'DOCKLAB_ENGINE_UNREACHABLE',
    message: /context "bogus": context not found/,
  },
  {
    what: 'a current context (docker context use) that is gone',
    args: ['doctor'],
    env: { DOCKER_CONFIG: bogusConfig },
    code: 'DOCKLAB_ENGINE_UNREACHABLE',
    message: /context "gone": context not found \(named by currentContext in .*config\.json\)/,
  },
  {
    what: 'a DOCKER_HOST of an unknown scheme',
    args: ['doctor'],
    env: { DOCKER_HOST: 'ftp://box' },
    code: 'DOCKLAB_ENGINE_UNREACHABLE',
    message: /cannot read DOCKER_HOST: unsupported DOCKER_HOST scheme 'ftp:'/,
  },
  { what: 'an unknown command', args: ['rnu', '2'], code: 'DOCKLAB_USAGE', message: /unknown command 'rnu' \(Did you mean run\?\)/ },
  { what: 'an unknown flag', args: ['run', '2', '--kep'], code: 'DOCKLAB_USAGE', message: /unknown option '--kep' \(Did you mean --keep\?\)/ },
  { what: 'a missing argument', args: ['run'], code: 'DOCKLAB_USAGE', message: /missing required argument 'lab'/ },
  { what: 'a balancer that does not exist', args: ['run', '0', '--lb', 'nginx'], code: 'DOCKLAB_USAGE', message: /argument 'nginx' is invalid/ },
  { what: 'an unknown lab', args: ['run', '42'], code: 'DOCKLAB_LAB_UNKNOWN', message: /no lab '42'; nearest/ },
  {
    what: 'a learner folder that does not exist',
    args: ['verify', '3', '--dir', join(scratch, 'nope')],
    code: 'DOCKLAB_FILE_MISSING',
    message: /does not exist; create it with `docklab init 3/,
  },
  {
    what: 'a compose file under a name `docker compose` does not look for',
    args: ['verify', '10', '--dir', learner('stack-yml', { 'stack.yml': 'services:\n  web:\n    image: nginx\n' })],
    code: 'DOCKLAB_SOLUTION_INCOMPLETE',
    message: /lacks a compose file \(compose\.yaml, compose\.yml, docker-compose\.yml, docker-compose\.yaml\)/,
  },
  {
    what: 'an empty Dockerfile',
    args: ['verify', '3', '--dir', learner('empty', { Dockerfile: '\n# nothing yet\n', 'index.js': '', 'package.json': '{}' })],
    code: 'DOCKLAB_SOLUTION_INCOMPLETE',
    message: /Dockerfile is empty: a Dockerfile starts with a FROM line/,
  },
  { what: 'down without a lab', args: ['down'], code: 'DOCKLAB_USAGE', message: /name the labs to tear down/ },
  { what: 'proxy with a file that does not exist', args: ['proxy', '-f', join(scratch, 'none.cfg'), '-c'], code: 'DOCKLAB_', message: /^docklab proxy: / },
  {
    what: 'proxy --workers abc',
    args: ['proxy', '-f', join(scratch, 'none.cfg'), '--workers', 'abc'],
    code: 'DOCKLAB_USAGE',
    message: /--workers needs a whole number or auto/,
  },
];

const table: string[] = [];
afterAll(() => process.stderr.write(`\n[docklab bad inputs]\n${table.join('\n')}\n`));

describe('every bad input: one line with its code, exit 2, nothing begun', () => {
  for (const c of CASES) {
    it(c.what, async () => {
      const home = mkdtempSync(join(tmpdir(), 'docklab-home-'));
      const result = await execa(process.execPath, [CLI, ...c.args], {
        reject: false,
        env: { ...process.env, CI: 'true', DOCKLAB_HOME: home, ...c.env },
        extendEnv: false,
      });
      const lines = result.stderr.trim().split('\n');
      table.push(
        `| ${c.what} | \`docklab ${c.args.map((a) => a.replace(scratch, 'DIR')).join(' ')}\`${
          c.env
            ? ` (${Object.entries(c.env)
                .map(([k, v]) => `${k}=${v.replace(bogusConfig, 'CFG')}`)
                .join(' ')})`
            : ''
        } | ${result.exitCode} | ${lines[0]?.replace(scratch, 'DIR')} |`,
      );
      expect(result.exitCode, result.stderr).toBe(2);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(c.message);
      expect(lines[0]).toMatch(new RegExp(`\\[${c.code}[A-Z_]*\\]$`));
      expect(result.stderr).not.toMatch(/DOCKLAB_INTERNAL|\s+at \S+:\d+:\d+/);
      expect(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []).toEqual([]);
    });
  }
});

describe('the small parsers behind those lines', () => {
  it('--parallel takes 1 to 16', () => {
    expect(parseParallel(undefined)).toBe(2);
    expect(parseParallel('4')).toBe(4);
    for (const bad of ['0', '-1', 'abc', '', '2.5', '17']) expect(() => parseParallel(bad)).toThrow(DocklabError);
  });

  it("commander's messages become one line with the code", () => {
    expect(usageLine("error: unknown command 'verfy'\n(Did you mean verify?)\n")).toBe(
      "docklab: unknown command 'verfy' (Did you mean verify?) [DOCKLAB_USAGE]",
    );
  });

  it('regression: the engine\'s "port is already allocated" is read as the port taken, not an internal error', () => {
    expect(
      portConflict({
        json: {
          message: 'driver failed programming external connectivity on endpoint docklab-02-ab-web: Bind for 127.0.0.1:8080 failed: port is already allocated',
        },
      }),
    ).toBe(8080);
    expect(
      portConflict(
        new Error(
          '(HTTP code 500) server error - failed to bind port 0.0.0.0:8080/tcp: Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use',
        ),
      ),
    ).toBe(8080);
    expect(portConflict(new Error('no such image'))).toBeUndefined();
  });
});

describe('lab authors get DOCKLAB_LAB_INVALID naming the file', () => {
  const definitionModule = join(PROJECT_ROOT, 'src', 'labs', 'lab-definition.ts');

  function labFolder(labTs: string, cases: Record<string, string> = {}): { id: string; slug: string; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-lab-folder-'));
    writeFileSync(join(dir, 'lab.ts'), labTs);
    for (const [name, text] of Object.entries(cases)) {
      mkdirSync(join(dir, 'broken', name), { recursive: true });
      writeFileSync(join(dir, 'broken', name, 'case.json'), text);
    }
    return { id: '97', slug: 'test', dir };
  }

  const checks = (ids: string[]) => `[${ids.map((id) => `{ id: '${id}', title: '${id}', run: async () => ({ status: 'pass' }) }`).join(', ')}]`;
  const labTs = (ids: string[]) =>
    `import { defineLab } from ${JSON.stringify(definitionModule)};\nexport default defineLab({ title: 't', summary: 's', images: [], evidence: 'files', checks: ${checks(ids)} });\n`;

  it('regression: a duplicate check id is DOCKLAB_LAB_INVALID naming lab.ts, not a plain Error with a stack trace', async () => {
    expect(() =>
      defineLab({
        title: 't',
        summary: 's',
        images: [],
        evidence: 'files',
        checks: [
          { id: 'a', title: 'a', run: async () => pass() },
          { id: 'a', title: 'a', run: async () => pass() },
        ],
      }),
    ).toThrow(DocklabError);
    const folder = labFolder(labTs(['a', 'a']));
    const error = await loadFolder(folder).catch((e) => e);
    expect(error).toBeInstanceOf(DocklabError);
    expect(error).toMatchObject({ code: 'DOCKLAB_LAB_INVALID', exitCode: 2 });
    expect(error.message).toBe(`${join(folder.dir, 'lab.ts')}: lab 't': check id 'a' is used twice`);
  });

  it('regression: a case.json that is not JSON is DOCKLAB_LAB_INVALID naming the file', async () => {
    const folder = labFolder(labTs(['a']), { wrong: '{ "fails": a }' });
    const error = await loadFolder(folder).catch((e) => e);
    expect(error).toMatchObject({ code: 'DOCKLAB_LAB_INVALID' });
    expect(error.message).toMatch(new RegExp(`^${join(folder.dir, 'broken', 'wrong', 'case.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON`));
  });

  it('a lab.ts that does not load is DOCKLAB_LAB_INVALID naming the file', async () => {
    const folder = labFolder('export default (;\n');
    const error = await loadFolder(folder).catch((e) => e);
    expect(error).toMatchObject({ code: 'DOCKLAB_LAB_INVALID' });
    expect(error.message).toContain(`${join(folder.dir, 'lab.ts')}: it does not load`);
  });
});
