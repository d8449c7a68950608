import { describe, it, expect } from 'vitest';
import { ConfigParser } from '../../src/proxy/config/config-parser.js';
import { AclCondition, compileNamedAcls } from '../../src/proxy/acl/acl-condition.js';
import { matchWord } from '../../src/proxy/acl/pattern-matcher.js';
import { ipMatcher } from '../../src/proxy/acl/ip-matcher.js';
import type { SampleSource } from '../../src/proxy/acl/sample-source.js';
import { pathOf } from '../../src/proxy/acl/sample-source.js';

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

/** Compiles `acl` lines and one condition from a frontend snippet. */
function condition(acls: string, cond: string): (r: SampleSource) => boolean {
  const m = ConfigParser.parseText(`frontend fe\n  mode http\n${acls}\n  http-request deny ${cond}\n`, 't.cfg');
  const fe = m.frontends[0]!;
  const c = AclCondition.compile(fe.requestRules[0]!.cond!, compileNamedAcls(fe.acls));
  return (r) => c.test(r);
}

describe('ACL evaluation', () => {
  it('matches path fetches', () => {
    const t = condition('  acl a path_beg /api\n  acl b path_end .css\n  acl c path_dir static', 'if a || b || c');
    expect(t(request({ uri: '/api/x?y' }))).toBe(true);
    expect(t(request({ uri: '/x/site.css?v=1' }))).toBe(true);
    expect(t(request({ uri: '/a/static/b' }))).toBe(true);
    expect(t(request({ uri: '/statics/b' }))).toBe(false);
  });
  it('ORs lines of the same name and ANDs juxtaposed terms', () => {
    const t = condition('  acl p path_beg /a\n  acl p path_beg /b\n  acl m method POST', 'if p m');
    expect(t(request({ uri: '/a', method: 'POST' }))).toBe(true);
    expect(t(request({ uri: '/b', method: 'POST' }))).toBe(true);
    expect(t(request({ uri: '/b', method: 'GET' }))).toBe(false);
  });
  it('supports negation, unless and anonymous ACLs', () => {
    expect(condition('', 'if !{ path_beg /x }')(request({ uri: '/x' }))).toBe(false);
    expect(condition('', 'unless { path_beg /x }')(request({ uri: '/y' }))).toBe(true);
    expect(condition('', 'if { hdr(host) -i WWW.EXAMPLE.COM }')(request())).toBe(true);
  });
  it('matches headers by domain, cookies, url params and src networks', () => {
    expect(condition('', 'if { hdr_dom(host) example.com }')(request())).toBe(true);
    expect(condition('', 'if { hdr_dom(host) ample.com }')(request())).toBe(false);
    expect(condition('', 'if { req.cook(sid) abc }')(request({ headers: [['Cookie', 'x=1; sid=abc']] }))).toBe(true);
    expect(condition('', 'if { url_param(id) 7 }')(request({ uri: '/p?a=1&id=7' }))).toBe(true);
    expect(condition('', 'if { src 10.0.0.0/8 }')(request({ srcAddr: '::ffff:10.1.2.3' }))).toBe(true);
    expect(condition('', 'if { src 10.0.0.0/8 }')(request({ srcAddr: '192.168.0.1' }))).toBe(false);
    expect(condition('', 'if { ssl_fc }')(request({ ssl: true }))).toBe(true);
    expect(condition('', 'if { ssl_fc }')(request())).toBe(false);
  });
  it('knows the predefined ACLs', () => {
    expect(condition('', 'if METH_GET')(request({ method: 'HEAD' }))).toBe(true);
    expect(condition('', 'if METH_POST')(request())).toBe(false);
    expect(condition('', 'if LOCALHOST HTTP_1.1 TRUE')(request())).toBe(true);
    expect(condition('', 'if FALSE')(request())).toBe(false);
    expect(condition('', 'if HTTP_CONTENT')(request({ headers: [['Content-Length', '3']] }))).toBe(true);
  });
  it('matches words between delimiters like HAProxy', () => {
    expect(matchWord('/a/img/b', '/img/', '/')).toBe(true);
    expect(matchWord('/a/images/b', 'img', '/')).toBe(false);
    expect(matchWord('www.example.com', 'example.com', '.')).toBe(true);
  });
  it('matches IPv4 and IPv6 networks', () => {
    const m = ipMatcher(['192.168.0.0/16', '::1', '2001:db8::/32', '10.0.0.1']);
    expect(m('192.168.5.5')).toBe(true);
    expect(m('::1')).toBe(true);
    expect(m('2001:db8:1::5')).toBe(true);
    expect(m('10.0.0.1')).toBe(true);
    expect(m('10.0.0.2')).toBe(false);
  });
  it('extracts the path from origin and absolute forms', () => {
    expect(pathOf('/a/b?c')).toBe('/a/b');
    expect(pathOf('http://h:8/x/y?z')).toBe('/x/y');
    expect(pathOf('*')).toBe('*');
  });
});
