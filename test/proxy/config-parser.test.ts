import { describe, it, expect } from 'vitest';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { checkProgram } from '../../src/proxy/config/check-parser.js';
import { tokenize } from '../../src/proxy/config/tokenizer.js';
import { parseTime } from '../../src/proxy/config/time-units.js';
import { DocklabError } from '../../src/errors.js';

const parse = (text: string) => ConfigParser.parseText(text, 'haproxy.cfg');
function failure(text: string): DocklabError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof DocklabError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

describe('tokenizer', () => {
  it('splits words, drops comments and keeps line numbers', () => {
    const lines = tokenize('global\n  # comment\n  maxconn 100 # trailing\n\nfrontend fe\n', 'f.cfg');
    expect(lines.map((l) => [l.line, l.words])).toEqual([
      [1, ['global']],
      [3, ['maxconn', '100']],
      [5, ['frontend', 'fe']],
    ]);
  });
  it('handles quotes, escapes and environment variables', () => {
    const [line] = tokenize(`x "a b" 'c $HOME' d\\ e "\${NAME}" \\#f`, 'f', { NAME: 'v', HOME: '/h' });
    expect(line!.words).toEqual(['x', 'a b', 'c $HOME', 'd e', 'v', '#f']);
  });
  it('refuses an unterminated quote with its line', () => {
    expect(() => tokenize('a\nb "open', 'haproxy.cfg')).toThrow(/haproxy\.cfg:2: unmatched quote at position 3/);
  });
});

describe('time units', () => {
  it('reads HAProxy units and bare milliseconds', () => {
    expect(parseTime('500')).toBe(500);
    expect(parseTime('5s')).toBe(5000);
    expect(parseTime('2m')).toBe(120_000);
    expect(parseTime('1h')).toBe(3_600_000);
    expect(parseTime('1d')).toBe(86_400_000);
    expect(parseTime('1500us')).toBe(1.5);
    expect(parseTime('5x')).toBeNull();
  });
});

describe('configuration model', () => {
  const base = `defaults
  mode http
  timeout connect 5s
  timeout server 30s
  option forwardfor
frontend fe
  bind :8080
  acl api path_beg /api
  use_backend api if api
  default_backend web
backend api
  balance leastconn
  server a1 10.0.0.1:80 check inter 2s rise 3 fall 2 weight 5
backend web
  server w1 web1:8080 backup maxconn 10 cookie w1
`;
  it('builds frontends and backends with inherited defaults', () => {
    const m = parse(base);
    expect(m.frontends.map((f) => f.name)).toEqual(['fe']);
    expect(m.backends.map((b) => b.name)).toEqual(['api', 'web']);
    const api = m.backends[0]!;
    expect(api.settings.timeouts).toEqual({ connect: 5000, server: 30000 });
    expect(api.settings.forwardfor?.header).toBe('X-Forwarded-For');
    expect(api.settings.balance.algo).toBe('leastconn');
    expect(api.servers[0]).toMatchObject({ name: 'a1', host: '10.0.0.1', port: 80, options: { check: true, inter: 2000, rise: 3, fall: 2, weight: 5 } });
    expect(m.backends[1]!.servers[0]!.options).toMatchObject({ backup: true, maxconn: 10, cookie: 'w1' });
    expect(m.frontends[0]!.binds[0]).toMatchObject({ host: '', port: 8080, ssl: false });
  });
  it('makes a listen section both frontend and backend', () => {
    const m = parse('listen app\n  bind 127.0.0.1:80\n  server s 127.0.0.1:81\n');
    expect(m.frontends[0]).toBe(m.backends[0]);
  });
  it('reads both httpchk syntaxes', () => {
    const a = parse('backend b\n  option httpchk GET /health\n  server s 1.2.3.4:80 check\n');
    expect(a.backends[0]!.settings.httpchk).toMatchObject({ method: 'GET', uri: '/health' });
    const b = parse(
      'backend b\n  option httpchk\n  http-check send meth HEAD uri /ready ver HTTP/1.1 hdr Host example.com\n  http-check expect status 200-299,302\n  server s 1.2.3.4:80 check\n',
    );
    expect(checkProgram(b.backends[0]!.settings)!.rules).toMatchObject([
      { kind: 'connect' },
      { kind: 'send-http', method: 'HEAD', uri: '/ready', version: 'HTTP/1.1', headers: [['Host', 'example.com']] },
      { kind: 'expect', negate: false, what: 'status', pattern: '200-299,302' },
    ]);
  });
  it('reads ssl binds with crt and alpn', () => {
    const m = parse('frontend fe\n  bind :443 ssl crt /etc/site.pem alpn h2,http/1.1\n');
    expect(m.frontends[0]!.binds[0]).toMatchObject({ port: 443, ssl: true, certFiles: ['/etc/site.pem'], alpn: ['h2', 'http/1.1'] });
  });
  it('reads connection modes, retry-on and http-reuse (the last connection option wins, no undoes it)', () => {
    const m = parse(
      'defaults\n  option httpclose\n  retry-on 503 conn-failure\nfrontend fe\n  bind :80\n  option http-server-close\n  default_backend b\nbackend b\n  no option httpclose\n  retry-on all-retryable-errors\n  http-reuse never\n  server s 127.0.0.1:1\n',
    );
    expect(m.frontends[0]!.settings.httpConnMode).toBe('server-close');
    expect(m.backends[0]!.settings.httpConnMode).toBeUndefined();
    expect(m.backends[0]!.settings.retryOn).toEqual([
      'conn-failure',
      'empty-response',
      'junk-response',
      'response-timeout',
      '0rtt-rejected',
      '500',
      '502',
      '503',
      '504',
    ]);
    expect(m.backends[0]!.settings.httpReuse).toBe('never');
    expect(parse('defaults\n  retry-on none\n').warnings).toEqual([]);
  });
  it('refuses retry-on words HAProxy 2.6 refuses, and option forceclose', () => {
    expect(failure('defaults\n  retry-on all\n').message).toContain("unknown keyword 'all'");
    expect(failure('defaults\n  retry-on 405\n').message).toContain("'405'");
    expect(failure('defaults\n  retry-on none 503\n').message).toContain('alone');
    expect(failure('defaults\n  http-reuse sometimes\n').message).toContain('http-reuse');
    expect(failure('frontend fe\n  retry-on 503\n').message).toContain('backend or listen');
    expect(parse('frontend fe\n  http-reuse never\n').warnings).toEqual(
      expect.arrayContaining([expect.stringContaining("'http-reuse' ignored because frontend 'fe' has no backend capability")]),
    );
    expect(failure('defaults\n  option forceclose\n').message).toContain('forceclose');
  });
  it('turns harmless unsupported keywords into warnings with line numbers', () => {
    const m = parse('global\n  daemon\n  tune.bufsize 32768\ndefaults\n  option http-buffer-request\n');
    expect(m.warnings).toEqual([
      "haproxy.cfg:2: warning: 'daemon' in global section is ignored by docklab",
      "haproxy.cfg:3: warning: 'tune.bufsize' in global section is ignored by docklab",
      expect.stringContaining('haproxy.cfg:5: warning:'),
    ]);
  });
});

describe('configuration errors', () => {
  it('refuses an unknown keyword with file, line and a hint', () => {
    const e = failure('frontend fe\n  bind :80\n  frobnicate yes\n');
    expect(e.code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(e.message).toMatch(/^haproxy\.cfg:3: unknown or unsupported keyword 'frobnicate' in frontend section; remove it/);
    expect(e.exitCode).toBe(2);
  });
  it('refuses routing keywords it cannot honour', () => {
    expect(failure('backend b\n  tcp-response content lua.hello\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(failure('backend b\n  server s 1.2.3.4:443 agent-check\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(failure('backend b\n  balance rdp-cookie\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
    expect(failure('frontend f\n  http-request lua.hello\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });
  it('refuses references to missing backends and ACLs', () => {
    const e = failure('frontend fe\n  bind :80\n  use_backend nope if TRUE\n');
    expect(e.code).toBe('DOCKLAB_CONFIG_REFERENCE');
    expect(e.message).toMatch(/^haproxy\.cfg:3: use_backend 'nope'/);
    const a = failure('frontend fe\n  bind :80\n  default_backend b\n  http-request deny if missing_acl\nbackend b\n');
    expect(a.code).toBe('DOCKLAB_CONFIG_REFERENCE');
    expect(a.message).toMatch(/^haproxy\.cfg:4: ACL 'missing_acl' is not declared/);
  });
  it('regression: an ACL used above its declaration is refused, as HAProxy reads conditions line by line', () => {
    const head = 'frontend fe\n  mode http\n  bind :80\n  default_backend b\n';
    const forms = [
      'http-request deny if bad',
      'http-response deny if bad',
      'http-after-response set-header x y if bad',
      'use_backend b if bad',
      'redirect location /y if bad',
      'tcp-request content reject if bad',
      'tcp-request connection reject if bad',
      'http-request set-var(txn.x) str(a) if !bad',
    ];
    for (const form of forms) {
      const e = failure(`${head}  ${form}\n  acl bad path /x\nbackend b\n  mode http\n`);
      expect(e.code, form).toBe('DOCKLAB_CONFIG_REFERENCE');
      expect(e.message, form).toMatch(/^haproxy\.cfg:5: ACL 'bad' is used before its declaration at line 6/);
    }
    const stick = failure('backend b\n  mode http\n  stick-table type ip size 10\n  stick on src if bad\n  acl bad path /x\n');
    expect(stick.message).toMatch(/^haproxy\.cfg:4: ACL 'bad' is used before its declaration at line 5/);
    // A name with one line above the rule and one below is known: the rule sees both lines.
    expect(() => parse(`${head}  acl bad path /x\n  http-request deny if bad\n  acl bad path /z\nbackend b\n  mode http\n`)).not.toThrow();
    // Each section has its own ACLs: a frontend's ACL is unknown in its backend.
    expect(failure(`${head}  acl bad path /x\nbackend b\n  mode http\n  http-request deny if bad\n`).message).toMatch(
      /^haproxy\.cfg:8: ACL 'bad' is not declared in backend 'b'/,
    );
  });
  it('refuses syntax errors', () => {
    expect(failure('defaults\n  timeout server abc\n').message).toMatch(/haproxy\.cfg:2: timeout server needs a time/);
    expect(failure('backend b\n  server s1 1.2.3.4:80\n  server s1 1.2.3.5:80\n').message).toMatch(/haproxy\.cfg:3: server 's1' is already declared at line 2/);
    expect(failure('frontend f\n  bind :80 ssl\n').code).toBe('DOCKLAB_CONFIG_SYNTAX');
    expect(failure('maxconn 10\n').message).toMatch(/haproxy\.cfg:1: 'maxconn' appears before any section/);
    expect(failure('frontend f\n  acl x path_beg\n').message).toMatch(/haproxy\.cfg:2: acl 'x' has no pattern/);
    expect(failure('frontend f\n  acl x path_reg (\n').message).toMatch(/invalid regular expression/);
    expect(failure('frontend f\n  http-request deny if { path_beg /x\n').message).toMatch(/not closed/);
    expect(failure('backend b\n  mode http\n  server s1 1.2.3.4\n').code).toBe('DOCKLAB_CONFIG_UNSUPPORTED');
  });
});

describe('words HAProxy 2.6 accepts leniently', () => {
  it('regression: timeout 15min reads as 15 minutes with a warning, a unitless tail still fails', () => {
    const m = ConfigParser.parseText('defaults\n  timeout client 15min\n', 'haproxy.cfg');
    expect(m.warnings.join('\n')).toMatch(/haproxy\.cfg:2: warning: unexpected character 'i' after the timer value '15min'/);
    expect(failure('defaults\n  timeout server 2x\n').code).toBe('DOCKLAB_CONFIG_SYNTAX');
  });
  it('regression: redirect options before the type are accepted', () => {
    const m = ConfigParser.parseText('frontend f\n  mode http\n  bind :0\n  http-request redirect code 301 location /x\n', 'haproxy.cfg');
    expect(m.frontends[0]!.requestRules[0]!.action).toMatchObject({ kind: 'redirect', type: 'location', value: '/x', code: 301 });
  });
});

describe('timeouts with units', () => {
  it('regression: 5000ms is 5000 milliseconds, without a warning', () => {
    const m = ConfigParser.parseText('defaults\n  timeout client 5000ms\n', 'haproxy.cfg');
    expect(m.warnings.join('\n')).not.toMatch(/unexpected character/);
  });
});
