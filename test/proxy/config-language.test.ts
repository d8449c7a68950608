import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { splitWords } from '../../src/proxy/config/tokenizer.js';
import { compareVersions } from '../../src/proxy/config/cond-expr.js';
import { resolveConfigPath, pathBaseFor, defaultPathBase } from '../../src/proxy/config/config-paths.js';
import { DocklabError } from '../../src/errors.js';

const at = { file: 'haproxy.cfg', line: 7, section: 'global' };
const words = (line: string, env: NodeJS.ProcessEnv = {}) => splitWords(line, at, env);
const parse = (text: string, env: NodeJS.ProcessEnv = {}, dir?: string) => ConfigParser.parseText(text, 'haproxy.cfg', { env, ...(dir ? { dir } : {}) });
function failure(text: string, env: NodeJS.ProcessEnv = {}): DocklabError {
  try {
    parse(text, env);
  } catch (e) {
    if (e instanceof DocklabError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}
/** The words `.notice` lines print, in order: how the reader's output is observed. */
function notices(body: string, env: NodeJS.ProcessEnv = {}): string[] {
  const m = parse(`global\n${body}\n`, env);
  return m.warnings.filter((w) => w.includes(': notice: ')).map((w) => w.replace(/^.*?: notice: /, ''));
}

describe('tokenizer: backslashes, quotes and escapes as HAProxy 2.6 reads them', () => {
  it('regression: backslash in an unquoted word is kept (hdr_reg ^a\\.b$)', () => {
    expect(words('acl x hdr_reg(host) ^a\\.b$')).toEqual(['acl', 'x', 'hdr_reg(host)', '^a\\.b$']);
    expect(words('acl y path_reg -i ^/v[0-9]+\\.json$')).toEqual(['acl', 'y', 'path_reg', '-i', '^/v[0-9]+\\.json$']);
  });
  it('keeps a backslash before an ordinary character inside double quotes too, and a trailing one', () => {
    expect(words('x "a\\.b" a\\d+ a\\')).toEqual(['x', 'a\\.b', 'a\\d+', 'a\\']);
  });
  it('turns the escape sequences HAProxy knows into their characters', () => {
    expect(words('x a\\ b a\\\\b a\\#b "a\\"b" a\\\'b \\x41\\x42 "t\\tt" a\\nb')).toEqual(['x', 'a b', 'a\\b', 'a#b', 'a"b', "a'b", 'AB', 't\tt', 'a\nb']);
  });
  it('escapes $ only inside double quotes', () => {
    expect(words('x a\\$b "a\\$b"')).toEqual(['x', 'a\\$b', 'a$b']);
  });
  it('refuses a truncated \\x sequence', () => {
    expect(() => words('x \\x4')).toThrow(/haproxy\.cfg:7: truncated or invalid hexadecimal sequence/);
  });
  it('keeps single-quoted text literally, backslashes and dollars included', () => {
    expect(words('x \'a\\.b $HOME \\x41\' "q"\'r\'"s"', { HOME: '/h' })).toEqual(['x', 'a\\.b $HOME \\x41', 'qrs']);
  });
  it('ends the line at # outside quotes only', () => {
    expect(words('x a#b "c#d" \'e#f\' # comment')).toEqual(['x', 'a']);
    expect(words('x "c#d" \'e#f\' # comment')).toEqual(['x', 'c#d', 'e#f']);
  });
  it('keeps an empty quoted word', () => {
    expect(words('x "" y')).toEqual(['x', '', 'y']);
  });
  it('refuses unmatched quotes', () => {
    expect(() => words('x "open')).toThrow(/unmatched quote/);
    expect(() => words("x 'open")).toThrow(/unmatched quote/);
    expect(() => words('x "a\\')).toThrow(/unmatched quote/);
  });
});

describe('tokenizer: environment variables', () => {
  const env = { HOME: '/root', V: 'a b', EMPTY: '' };
  it('expands $NAME and ${NAME} inside double quotes only', () => {
    expect(words('x $HOME "$HOME" "${HOME}" "$HOME-x" "${HOME}-x" ${HOME}', env)).toEqual(['x', '$HOME', '/root', '/root', '/root-x', '/root-x', '${HOME}']);
  });
  it('uses ${NAME-default} only when NAME is unset', () => {
    expect(words('x "${NOPE-def ault}" "${HOME-def}" "${EMPTY-def}" "${NOPE-}"', env)).toEqual(['x', 'def ault', '/root', '', '']);
  });
  it('expands an unset variable to nothing, keeping the quoted word', () => {
    expect(words('x "${NOPE}" "${NOPE}y"', env)).toEqual(['x', '', 'y']);
  });
  it('splits ${NAME[*]} into words', () => {
    expect(words('x "${V[*]}" z', env)).toEqual(['x', 'a', 'b', 'z']);
  });
  it('knows ${.LINE}, ${.FILE} and ${.SECTION}', () => {
    expect(words('x "${.LINE}" "${.FILE}" "${.SECTION}"')).toEqual(['x', '7', 'haproxy.cfg', 'global']);
  });
  it('refuses bad variable syntax as HAProxy does', () => {
    expect(() => words('x "a$"')).toThrow(/forbidden first char in environment variable name/);
    expect(() => words('x "a$1"')).toThrow(/forbidden first char/);
    expect(() => words('x "${HOME"')).toThrow(/unmatched brace/);
    expect(() => words('x "${HOME:-x}"')).toThrow(/unmatched brace/);
    expect(() => words('x "${V[x]}"')).toThrow(/word expansion/);
  });
});

describe('conditional blocks', () => {
  const env = { HOME: '/root' };
  it('keeps the branch whose condition holds', () => {
    expect(notices('.if defined(HOME)\n.notice "yes"\n.else\n.notice "no"\n.endif', env)).toEqual(['yes']);
    expect(notices('.if !defined(HOME)\n.notice "yes"\n.else\n.notice "no"\n.endif', env)).toEqual(['no']);
    expect(notices('.if defined(HOME) && defined(NOPE)\n.notice "a"\n.elif 1\n.notice "b"\n.elif 1\n.notice "c"\n.else\n.notice "d"\n.endif', env)).toEqual([
      'b',
    ]);
  });
  it('evaluates &&, ||, !, parentheses, numbers and empty words', () => {
    expect(
      notices(
        '.if (defined(HOME) || defined(NOPE)) && !0\n.notice "1"\n.endif\n.if 1 || 0 && 0\n.notice "2"\n.endif\n.if -1\n.notice "3"\n.endif\n.if "0"\n.notice "no"\n.endif\n.if ""\n.notice "no"\n.endif\n.if "${NOPE}"\n.notice "no"\n.endif\n.if !!1\n.notice "4"\n.endif',
        env,
      ),
    ).toEqual(['1', '2', '3', '4']);
  });
  it('compares strings and versions', () => {
    expect(
      notices('.if streq("${HOME}",/root)\n.notice "eq"\n.endif\n.if strneq(a,b)\n.notice "neq"\n.endif\n.if streq( a , a )\n.notice "sp"\n.endif', env),
    ).toEqual(['eq', 'neq', 'sp']);
    expect(
      notices(
        '.if version_atleast(2.6)\n.notice "a"\n.endif\n.if version_atleast(2.7-dev0)\n.notice "b"\n.endif\n.if version_before(2.7)\n.notice "c"\n.endif\n.if version_before(2.6)\n.notice "d"\n.endif\n.if version_atleast(2.6-dev3)\n.notice "e"\n.endif',
      ),
    ).toEqual(['a', 'c', 'e']);
  });
  it('reports the features docklab really has', () => {
    expect(notices('.if feature(OPENSSL)\n.notice "ssl"\n.endif\n.if feature(LUA)\n.notice "lua"\n.endif\n.if feature(NOPE)\n.notice "nope"\n.endif')).toEqual([
      'ssl',
    ]);
  });
  it('skips keywords docklab refuses inside a false block, nested blocks included', () => {
    const m = parse('global\n.if feature(LUA)\n  lua-load /x.lua\n  .if 1\n  lua-load /y.lua\n  .endif\n.endif\nfrontend fe\n  bind :0\n  timeout client 1s\n');
    expect(m.frontends[0]!.name).toBe('fe');
    expect(notices('.if 0\n.if broken(\n.endif\n.else\n.notice "outer else"\n.endif')).toEqual(['outer else']);
    expect(notices('.if 1\n.if 0\n.notice "x"\n.else\n.notice "inner else"\n.endif\n.endif')).toEqual(['inner else']);
  });
  it('still splits lines inside a false block', () => {
    expect(() => parse('global\n.if 0\n  .notice "x\n.endif\n')).toThrow(/haproxy\.cfg:3: unmatched quote/);
  });
  it('refuses malformed blocks with the line', () => {
    expect(failure('global\n.endif\n').message).toMatch(/haproxy\.cfg:2: lone '\.endif'/);
    expect(failure('global\n.else\n').message).toMatch(/lone '\.else'/);
    expect(failure('global\n.if 1\n.else\n.else\n.endif\n').message).toMatch(/haproxy\.cfg:4: '\.else' after '\.else'/);
    expect(failure('global\n.if 1\n.else\n.elif 1\n.endif\n').message).toMatch(/'\.elif' after '\.else'/);
    expect(failure('global\n.if 1\n').message).toMatch(/non-terminated '\.if' block/);
    expect(failure('global\n.if foo\n.endif\n').message).toMatch(/haproxy\.cfg:2: unparsable conditional expression 'foo'/);
    expect(failure('global\n.if enabled(POLL)\n.endif\n').message).toMatch(/unparsable conditional expression/);
    expect(failure('global\n.if 1 2\n.endif\n').message).toMatch(/unexpected character '2'/);
    expect(failure('global\n.if 1x\n.endif\n').message).toMatch(/unexpected character 'x'/);
    expect(failure('global\n.if defined(HOME\n.endif\n').message).toMatch(/expected '\)'/);
    expect(failure('global\n.if 1\n.endif garbage\n').message).toMatch(/unexpected argument 'garbage'/);
  });
  it('prints .notice and .warning, stops on .alert, and refuses extra words', () => {
    const m = parse('global\n.diag "d"\n.notice "n"\n.warning "w"\n');
    expect(m.warnings).toEqual(['haproxy.cfg:3: notice: n', 'haproxy.cfg:4: warning: w']);
    expect(failure('global\n.alert "stop here"\n').message).toMatch(/haproxy\.cfg:2: alert: stop here/);
    expect(failure('global\n.notice "x" y z\n').message).toMatch(/unexpected argument 'y'/);
  });
  it('orders versions with -dev and -rc before the release', () => {
    expect(compareVersions('2.6.12', '2.6')).toBeGreaterThan(0);
    expect(compareVersions('2.7-dev3', '2.7')).toBeLessThan(0);
    expect(compareVersions('2.7-rc1', '2.7-dev9')).toBeGreaterThan(0);
    expect(compareVersions('2.6', '2.6.0')).toBe(0);
  });
});

describe('global keywords of the configuration language', () => {
  it('applies setenv, presetenv, unsetenv and resetenv to the lines after them', () => {
    const env = { HOME: '/root', B0: 'b' };
    expect(
      notices(
        'setenv A 1\n.notice "${A}"\npresetenv A 2\n.notice "${A}"\npresetenv B 3\n.notice "${B}"\nunsetenv A\n.notice "${A-unset}"\nresetenv HOME\n.notice "${B-gone}"\n.notice "${HOME-nohome}"',
        env,
      ),
    ).toEqual(['1', '1', '3', 'unset', 'gone', '/root']);
    expect(failure('global\nsetenv A\n').message).toMatch(/'setenv' expects a name and a value/);
  });
  it('never changes the environment of the running process', () => {
    parse('global\nsetenv DOCKLAB_TEST_SETENV x\nresetenv\n', process.env);
    expect(process.env['DOCKLAB_TEST_SETENV']).toBeUndefined();
    expect(process.env['PATH']).toBeDefined();
  });
  it('sets HAPROXY_LOCALPEER to the host name, or to localpeer', () => {
    expect(notices('.notice "${HAPROXY_LOCALPEER}"')[0]).not.toBe('');
    expect(notices('localpeer foo\n.notice "${HAPROXY_LOCALPEER}"')).toEqual(['foo']);
  });
  it('accepts no log in global, defaults and proxies, without arguments', () => {
    const m = parse(
      'global\n  log stdout local0\n  no log\ndefaults\n  log global\n  no log\n  timeout client 1s\n  timeout connect 1s\n  timeout server 1s\nfrontend fe\n  bind :0\n  default_backend b\nbackend b\n  log global\n',
    );
    expect(m.global.logStdout).toBe(false);
    expect(m.frontends[0]!.settings.logEnabled).toBe(false);
    expect(m.backends[0]!.settings.logEnabled).toBe(true);
    expect(failure('global\n  no log 1\n').message).toMatch(/'no log' does not expect arguments/);
  });
  it('refuses with zero-warning when HAProxy would warn, but not for docklab-only notes', () => {
    const ok =
      'defaults\n  timeout client 1s\n  timeout connect 1s\n  timeout server 1s\nfrontend fe\n  bind :0\n  default_backend b\nbackend b\n  server s 127.0.0.1:1\n';
    expect(() => parse(`global\n  zero-warning\n  daemon\n  tune.bufsize 16384\n${ok}`)).not.toThrow();
    expect(failure(`global\n  zero-warning\n.warning "w"\n${ok}`).message).toMatch(/haproxy\.cfg:2: some warnings were found and 'zero-warning' is set/);
    const noTimeouts = 'frontend fe\n  bind :0\n  default_backend b\nbackend b\n  server s 127.0.0.1:1\n';
    expect(failure(`global\n  zero-warning\n${noTimeouts}`).message).toMatch(/missing timeouts for frontend 'fe'/);
    expect(parse(`global\n${noTimeouts}`).warnings.some((w) => /missing timeouts for backend 'b'/.test(w))).toBe(true);
  });
  it('accepts strict-limits and the process keywords', () => {
    const m = parse(
      'global\n  strict-limits\n  master-worker\n  daemon\n  user haproxy\n  group haproxy\n  chroot /var/lib/haproxy\n  pidfile /run/h.pid\n  ulimit-n 4096\n  hard-stop-after 30s\n  description my lb\n  log-send-hostname\n  h1-case-adjust content-type Content-Type\n  stats socket /run/admin.sock mode 660 level admin\n  stats timeout 30s\n  tune.ssl.default-dh-param 2048\n  ssl-dh-param-file /etc/dh.pem\n  ssl-default-bind-ciphers ECDHE+AESGCM\n  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n',
    );
    expect(m.global.strictLimits).toBe(true);
    expect(m.global.hardStopAfter).toBe(30_000);
    expect(m.global.description).toBe('my lb');
    expect(m.global.sslDefaultBindOptions).toEqual(['ssl-min-ver', 'TLSv1.2', 'no-tls-tickets']);
    expect(m.warnings.some((w) => /stats socket/.test(w))).toBe(true);
  });
  it('regression: listen NAME ADDR:PORT is refused as HAProxy 2.6 does, asking for a bind line', () => {
    expect(failure('listen web 127.0.0.1:8080\n  server s1 127.0.0.1:9000\n').message).toMatch(
      /haproxy\.cfg:1: .*please use the 'bind' keyword for listening addresses/,
    );
    expect(failure('frontend web :80\n').message).toMatch(/use the 'bind' keyword/);
  });
});

describe('default-path and resolveConfigPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docklab-defpath-'));
  const cfgDir = join(dir, 'etc', 'haproxy');
  mkdirSync(cfgDir, { recursive: true });
  it('resolves relative names against the mode chosen', () => {
    expect(resolveConfigPath(defaultPathBase('/w'), 'certs/a.pem')).toBe('/w/certs/a.pem');
    expect(resolveConfigPath(pathBaseFor('config', cfgDir), 'certs/a.pem')).toBe(join(cfgDir, 'certs/a.pem'));
    expect(resolveConfigPath(pathBaseFor('parent', cfgDir), 'certs/a.pem')).toBe(join(dirname(cfgDir), 'certs/a.pem'));
    expect(resolveConfigPath(pathBaseFor('origin', cfgDir, '/srv'), 'a.pem')).toBe('/srv/a.pem');
    expect(resolveConfigPath(pathBaseFor('config', cfgDir), '/abs/a.pem')).toBe('/abs/a.pem');
  });
  it('applies default-path to bind crt files', () => {
    const m = parse('global\n  default-path config\nfrontend fe\n  bind :0 ssl crt site.pem\n  timeout client 1s\n', {}, cfgDir);
    expect(m.frontends[0]!.binds[0]!.certFiles).toEqual([join(cfgDir, 'site.pem')]);
  });
  it('applies default-path to acl -f pattern files and resets afterwards', () => {
    writeFileSync(join(cfgDir, 'paths.txt'), '/admin\n/internal\n');
    const cfg = 'frontend fe\n  bind :0\n  timeout client 1s\n  acl blocked path -f paths.txt\n  http-request deny if blocked\n';
    const m = parse(`global\n  default-path config\n${cfg}`, {}, cfgDir);
    expect(m.frontends[0]!.acls[0]!.patterns).toEqual(['/admin', '/internal']);
    expect(() => parse(cfg, {}, cfgDir)).toThrow(/failed to open pattern file 'paths\.txt'/);
  });
  it('refuses unknown modes and origin without a directory', () => {
    expect(failure('global\n  default-path foo\n').message).toMatch(/unsupported default-path mode 'foo'/);
    expect(failure('global\n  default-path origin\n').message).toMatch(/'default-path origin' expects a directory/);
  });
});

describe('empty words', () => {
  it('end the arguments of a keyword, as in HAProxy 2.6', () => {
    expect(() => parse('frontend fe\n  http-request set-header X-A "" if TRUE\n')).toThrow(/haproxy\.cfg:2: .*needs a name and one value/);
    expect(() => parse('global\n  setenv A "${NOT_SET}"\n')).toThrow(/'setenv' expects a name and a value/);
    const m = parse('frontend fe\n  bind :0 "" ssl\n  timeout client 1s\n');
    expect(m.frontends[0]!.binds[0]!.ssl).toBe(false);
  });
});
