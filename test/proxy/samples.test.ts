import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseSampleExpr, evalSample, evalSampleOne } from '../../src/proxy/sample/sample-expr.js';
import { splitArgs, sampleExprEnd } from '../../src/proxy/sample/sample-args.js';
import { compileKeyMatcher } from '../../src/proxy/sample/map-matcher.js';
import { readMapFile, readPatternFile } from '../../src/proxy/sample/pattern-file.js';
import { setConfigPathResolver } from '../../src/proxy/sample/config-paths.js';
import { valueToInt } from '../../src/proxy/sample/sample-types.js';
import { Txn, SessionState, parseVarName } from '../../src/proxy/sample/txn.js';
import { LogFormat } from '../../src/proxy/http/log-format.js';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import type { SampleSource } from '../../src/proxy/acl/sample-source.js';

const at = { file: 't.cfg', line: 1 };
function request(over: Partial<SampleSource> = {}): SampleSource {
  return {
    method: 'GET',
    uri: '/',
    version: '1.1',
    headers: [['Host', 'www.example.com']],
    srcAddr: '127.0.0.1',
    dstPort: 80,
    ssl: false,
    sni: undefined,
    ...over,
  };
}
const one = (expr: string, src: SampleSource = request()) => evalSampleOne(parseSampleExpr(expr, at), src);

describe('sample arguments', () => {
  it('ends at the first unquoted parenthesis and honours quotes and escapes', () => {
    expect(splitArgs('f(a,b)', 1)).toEqual({ args: ['a', 'b'], end: 6 });
    expect(splitArgs("f('(x)',\\,y)", 1)!.args).toEqual(['(x)', ',y']);
    expect(splitArgs('f(\\.,_)', 1)!.args).toEqual(['\\.', '_']);
    expect(splitArgs('f(a', 1)).toBeNull();
    expect(splitArgs('f()', 1)!.args).toEqual([]);
    expect(splitArgs('f(a,)', 1)!.args).toEqual(['a', '']);
  });
  it('regression: a regex character class inside %[...] does not end the expression', () => {
    const text = "%[path,regsub('[a-z]+','x')]";
    expect(sampleExprEnd(text, 2)).toBe(text.length - 1);
    expect(LogFormat.compile(text, at).render(request({ uri: '/abc/1' }))).toBe('/x/1');
  });
});

describe('converters', () => {
  it('change case, measure and cut strings', () => {
    expect(one('req.hdr(host),upper')).toBe('WWW.EXAMPLE.COM');
    expect(one('req.hdr(host),length')).toBe(15);
    expect(one('str(hello),bytes(1,3)')).toBe('ell');
    expect(one('str(--x==),ltrim(-),rtrim(=)')).toBe('x');
  });
  it('regsub replaces the first match, or all with g, and fills groups', () => {
    expect(one('str(foo boo),regsub(o,0)')).toBe('f0o boo');
    expect(one('str(foo boo),regsub(o,0,g)')).toBe('f00 b00');
    expect(one("str(/abc/123),regsub('^/([a-z]+)/([0-9]+)','/\\2/\\1')")).toBe('/123/abc');
    expect(one('str(FoO),regsub(o,_,ig)')).toBe('F__');
  });
  it('field and word count from either end, with counts', () => {
    expect(one('str(/a//b/c),field(3,/)')).toBe('');
    expect(one('str(/a//b/c),field(-1,/)')).toBe('c');
    expect(one('str(/a//b/c),field(2,/,2)')).toBe('a/');
    expect(one('str(/a//b/c),word(2,/)')).toBe('b');
    expect(one('str(/a//b/c),word(-2,/)')).toBe('b');
    expect(one('str(/a//b/c),word(1,/,2)')).toBe('a//b');
  });
  it('does 64-bit arithmetic with HAProxy limits', () => {
    expect(one('int(7),sub(10)')).toBe(-3);
    expect(one('int(7),div(0)')).toBe(2n ** 63n - 1n);
    expect(one('int(-7),mod(3)')).toBe(-1);
    expect(one('int(12),xor(5)')).toBe(9);
    expect(one('int(5),not')).toBe(false);
    expect(one('str(abc),add(1)')).toBe(1);
    expect(one('req.hdr(x-empty),add(1)', request({ headers: [['x-empty', '']] }))).toBeUndefined();
    expect(valueToInt('99999999999999999999')).toBe(2n ** 63n - 1n);
  });
  it('encodes and decodes', () => {
    expect(one('str(hello),base64')).toBe('aGVsbG8=');
    expect(one('str(aGVsbG8=),b64dec')).toBe('hello');
    expect(one('str(hi),hex')).toBe('6869');
    expect(one('str(a%20b+c),url_dec')).toBe('a b+c');
    expect(one('str(a%2),url_dec')).toBeUndefined();
    expect(LogFormat.compile('%[req.hdr(x),json]', at).render(request({ headers: [['x', 'say "hi"\\/é']] }))).toBe('say \\"hi\\"\\\\\\/\\u00e9');
  });
  it('masks addresses and splits host and port', () => {
    expect(one('ipv4(10.20.30.40),ipmask(16)')).toBe('10.20.0.0');
    expect(one('str(2001:db8:1:2:3:4:5:6),ipmask(8,32)')).toBe('2001:db8::');
    expect(one('str([::1]:99),port_only')).toBe(99);
    expect(one('str(example.com:8443),host_only')).toBe('example.com');
  });
  it('refuses unknown converters and bad arguments with the line', () => {
    expect(() => parseSampleExpr('path,nope', at)).toThrow(/t\.cfg:1: .*converter 'nope'/);
    expect(() => parseSampleExpr('path,sub(foo)', at)).toThrow(/neither a whole number nor a variable/);
    expect(() => parseSampleExpr('path,regsub(a)', at)).toThrow(/at least 2/);
    expect(() => parseSampleExpr('path,regsub((,x)', at)).toThrow(/invalid regular expression/);
  });
});

describe('map matching', () => {
  it('exact keys take the first duplicate, prefixes and networks the most specific', () => {
    expect(compileKeyMatcher('str', ['a', 'b', 'a'])('a')).toBe(0);
    expect(compileKeyMatcher('beg', ['/api', '/api/v2', '/'])('/api/v2/x')).toBe(1);
    expect(compileKeyMatcher('ip', ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16'])('10.1.2.3')).toBe(2);
    expect(compileKeyMatcher('ip', ['10.0.0.0/8'])('192.168.0.1')).toBe(-1);
    expect(compileKeyMatcher('sub', ['adm', 'ad'])('/load')).toBe(1);
    expect(compileKeyMatcher('dom', ['example.com'])('www.example.com')).toBe(0);
    expect(compileKeyMatcher('dom', ['example.com'])('notexample.com')).toBe(-1);
    expect(compileKeyMatcher('int', ['0:9', '10:99', '100'])(42)).toBe(1);
  });
  it('reads map and pattern files like HAProxy: comments, blank lines, leading blanks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-samples-'));
    writeFileSync(join(dir, 'm.map'), '# c\n  key1   value one  \n\nkey2\tv2\r\nlonely\n');
    writeFileSync(join(dir, 'p.lst'), '# c\n  /admin\n\n/a b \n');
    expect(readMapFile(join(dir, 'm.map'), at)).toEqual([
      ['key1', 'value one'],
      ['key2', 'v2'],
      ['lonely', ''],
    ]);
    expect(readPatternFile(join(dir, 'p.lst'), at)).toEqual(['/admin', '/a b ']);
    expect(() => readPatternFile(join(dir, 'missing.lst'), at)).toThrow(/t\.cfg:1: failed to open pattern file/);
  });
  it('resolves relative file names through the configured resolver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docklab-samples-'));
    writeFileSync(join(dir, 'rel.map'), 'x y\n');
    setConfigPathResolver((f) => join(dir, f));
    try {
      expect(one('str(x),map(rel.map)')).toBe('y');
    } finally {
      setConfigPathResolver(undefined);
    }
  });
});

describe('variables and transactions', () => {
  it('keeps sess variables per connection and txn variables per request', () => {
    const session = new SessionState();
    const t1 = new Txn(session);
    const t2 = new Txn(session);
    t1.setVar('sess', 'a', 1);
    t1.setVar('txn', 'b', 'x');
    expect(t2.getVar('sess', 'a')).toBe(1);
    expect(t2.getVar('txn', 'b')).toBeUndefined();
    expect(parseVarName('txn.my.var')).toEqual({ scope: 'txn', name: 'my.var' });
    expect(parseVarName('foo.bar')).toBeNull();
  });
  it('runs set-var rules and reads them back with var()', () => {
    const m = ConfigParser.parseText(
      'frontend fe\n  mode http\n  http-request set-var(txn.h) req.hdr(host),lower\n  http-request set-var(txn.n,ifnotexists) int(3)\n',
      't.cfg',
    );
    const rules = m.frontends[0]!.requestRules;
    const src = request({ headers: [['Host', 'WWW.A.COM']] });
    for (const r of rules) if (r.action.kind === 'registered') r.action.run({ src, txn: src.txn ?? (src.txn = new Txn()), side: 'http-request' });
    expect(evalSample(parseSampleExpr('var(txn.h)', at), src, true)).toEqual(['www.a.com']);
    expect(one('var(txn.n),add(1)', src)).toBe(4);
  });
  it('refuses var() in an ACL without -m, like HAProxy', () => {
    expect(() => ConfigParser.parseText('frontend fe\n  acl x var(txn.a) foo\n', 't.cfg')).toThrow(/t\.cfg:2: .*-m/);
  });
});

describe('fetch usage checks', () => {
  it('refuses request-only fetches in http-response values and the reverse', () => {
    expect(() => LogFormat.compile('%[path]', at, 'response')).toThrow(/path.*may not be used here/);
    expect(() => LogFormat.compile('%[res.hdr(x)]', at, 'request')).toThrow(/may not be used here/);
    expect(LogFormat.compile('%[method] %[hdr(x)]', at, 'response').isConstant).toBe(false);
  });
});

describe('regressions', () => {
  it('regression: res.hdr() is known in http-response conditions', () => {
    const m = ConfigParser.parseText('frontend fe\n  mode http\n  http-response set-header X-A 1 if { res.hdr(x-test) -m str yes }\n', 't.cfg');
    expect(m.frontends[0]!.responseRules).toHaveLength(1);
    const src = request({ response: { status: 200, version: '1.1', headers: [['X-Test', 'yes']] } });
    expect(evalSample(parseSampleExpr('res.hdr(x-test)', at), src, true)).toEqual(['yes']);
  });
  it('regression: converters after a fetch are accepted in ACLs and log-format strings', () => {
    expect(() =>
      ConfigParser.parseText('frontend fe\n  acl a req.hdr(host),lower www.a.com\n  http-request set-header X %[path,lower]\n', 't.cfg'),
    ).not.toThrow();
  });
});

describe('set-var conditions', () => {
  function run(cfg: string, src: SampleSource): Txn {
    const m = ConfigParser.parseText(`frontend fe\n  mode http\n${cfg}`, 't.cfg');
    const txn = (src.txn ??= new Txn());
    for (const r of m.frontends[0]!.requestRules) if (r.action.kind === 'registered') r.action.run({ src, txn, side: 'http-request' });
    return txn;
  }
  it('regression: ifgt writes when the current integer is greater than the new one, and does not hold back strings', () => {
    const cfg =
      '  http-request set-var(txn.n) int(10)\n  http-request set-var(txn.n,ifgt) req.hdr(x),add(0)\n  http-request set-var(txn.s) int(10)\n  http-request set-var(txn.s,ifgt) req.hdr(x)\n';
    expect(run(cfg, request({ headers: [['x', '3']] })).getVar('txn', 'n')).toBe(3);
    expect(run(cfg, request({ headers: [['x', '30']] })).getVar('txn', 'n')).toBe(10);
    expect(run(cfg, request({ headers: [['x', '30']] })).getVar('txn', 's')).toBe('30');
  });
});

describe('word matching (dir, dom)', () => {
  it('regression: hdr_dom matches a Host that carries a port (www.example.com:8080 against example.com)', async () => {
    const { matchWord, DOM_DELIMITERS, DIR_DELIMITERS } = await import('../../src/proxy/acl/pattern-matcher.js');
    expect(matchWord('www.example.com:8080', 'example.com', DOM_DELIMITERS)).toBe(true);
    expect(matchWord('a/b.c?d', 'b.c', DOM_DELIMITERS)).toBe(true);
    expect(matchWord('a-b.c', 'b.c', DOM_DELIMITERS)).toBe(false);
    expect(matchWord('/img?x=1', 'img', DIR_DELIMITERS)).toBe(true);
    expect(matchWord('/a.img', 'img', DIR_DELIMITERS)).toBe(false);
    expect(matchWord('bc:1', 'bc', DIR_DELIMITERS)).toBe(false);
  });
});

describe('json converter modes', () => {
  it('regression: json(utf8) fails on invalid UTF-8 and json(utf8s) drops the bad bytes', () => {
    const src = request({
      headers: [
        ['x', 'a\xe9b'],
        ['y', Buffer.from('é', 'utf8').toString('latin1')],
      ],
    });
    expect(LogFormat.compile('%[req.hdr(x),json(utf8)]|%[req.hdr(x),json(utf8s)]|%[req.hdr(y),json(utf8)]|%[req.hdr(y),json]', at).render(src)).toBe(
      '|ab|\\u00e9|\\u00c3\\u00a9',
    );
  });
});

describe('fetches that need a backend or a server', () => {
  it('refuses be_name in a frontend http-request rule and srv_name in any http-request rule, as HAProxy does', () => {
    expect(() => ConfigParser.parseText('frontend fe\n  http-request set-var(txn.b) be_name\n', 't.cfg')).toThrow(/t\.cfg:2: .*be_name.*needs the backend/);
    expect(() => ConfigParser.parseText('backend b\n  http-request set-var(txn.b) be_name\n', 't.cfg')).not.toThrow();
    expect(() => ConfigParser.parseText('listen l\n  http-request set-var(txn.b) be_name\n', 't.cfg')).not.toThrow();
    expect(() => ConfigParser.parseText('backend b\n  http-request set-var(txn.s) srv_name\n', 't.cfg')).toThrow(/srv_name.*needs the server/);
    expect(() => ConfigParser.parseText('frontend fe\n  http-response set-var(txn.b) be_name\n', 't.cfg')).not.toThrow();
    expect(() => LogFormat.compile('%[be_name]', at, 'request', true)).toThrow(/needs the backend/);
  });
});

describe('field and word edges', () => {
  it('regression: word() with a negative index and count 0 keeps the leading delimiters', () => {
    expect(one('str(/a//b/c/d),word(-1,/,0)')).toBe('/a//b/c/d');
    expect(one('str(/a//b/c/d),field(-2,/,0)')).toBe('/a//b/c');
    expect(one('str(/one),word(-1,/,0)')).toBe('/one');
    expect(one('str(/a//b/c/d),word(9,/)')).toBe('');
  });
});
