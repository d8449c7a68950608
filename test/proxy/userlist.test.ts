import { describe, it, expect } from 'vitest';
import { Userlist, parseUserlistLine, checkUserlist, type UserlistModel } from '../../src/proxy/auth/userlist.js';
import { parseAuthorization } from '../../src/proxy/auth/basic-credentials.js';
import { applyStatsLine, freshStats } from '../../src/proxy/stats/stats-config.js';

const at = { file: 't.cfg', line: 3 };

function list(lines: string[][]): UserlistModel {
  const m: UserlistModel = { name: 'l', users: [], groups: [], loc: at };
  for (const w of lines) parseUserlistLine(m, w, at);
  checkUserlist(m);
  return m;
}

describe('userlist', () => {
  it('checks crypt(3) and clear passwords', () => {
    const u = new Userlist(
      list([
        ['user', 'alice', 'password', '$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1'],
        ['user', 'bob', 'insecure-password', 'pw'],
      ]),
    );
    expect(u.check('alice', 'secret')).toBe(true);
    expect(u.check('alice', 'secret')).toBe(true);
    expect(u.check('alice', 'Secret')).toBe(false);
    expect(u.check('bob', 'pw')).toBe(true);
    expect(u.check('bob', 'pw ')).toBe(false);
    expect(u.check('carol', 'pw')).toBe(false);
  });

  it('groups come from both group … users and user … groups', () => {
    const u = new Userlist(
      list([
        ['group', 'ops', 'users', 'bob'],
        ['group', 'devs'],
        ['user', 'alice', 'insecure-password', 'a', 'groups', 'devs'],
        ['user', 'bob', 'insecure-password', 'b'],
        ['user', 'carol', 'insecure-password', 'c', 'groups', 'ops,devs'],
      ]),
    );
    expect(u.inAnyGroup('bob', ['ops'])).toBe(true);
    expect(u.inAnyGroup('alice', ['ops'])).toBe(false);
    expect(u.groupsOf('carol').sort()).toEqual(['devs', 'ops']);
  });

  it('refuses unknown groups or users, duplicate names and unsupported hashes, naming the line', () => {
    expect(() => list([['user', 'a', 'insecure-password', 'x', 'groups', 'nope']])).toThrow(/t\.cfg:3: .*group 'nope'/);
    expect(() => list([['group', 'g', 'users', 'ghost']])).toThrow(/user 'ghost'/);
    expect(() =>
      list([
        ['user', 'a', 'insecure-password', 'x'],
        ['user', 'a', 'insecure-password', 'y'],
      ]),
    ).toThrow(/already declared/);
    expect(() => list([['user', 'a', 'password', 'ab01FAX.bQRSU']])).toThrow(/crypt\(3\)/);
    expect(() => list([['user', 'a']])).toThrow(/password/);
  });

  it('reads Basic credentials; other schemes give only the type; no colon gives nothing', () => {
    expect(parseAuthorization([['Authorization', 'Basic YWxpY2U6czNjcjp4']])).toEqual({ type: 'Basic', user: 'alice', pass: 's3cr:x' });
    expect(parseAuthorization([['authorization', 'Bearer abc']])).toEqual({ type: 'Bearer' });
    expect(parseAuthorization([['authorization', 'Basic bm9jb2xvbg==']])).toBeNull();
    expect(parseAuthorization([])).toBeNull();
  });
});

describe('stats lines', () => {
  it('every stats keyword turns statistics on with HAProxy defaults', () => {
    const s = freshStats(at);
    applyStatsLine(s, ['stats', 'auth', 'admin:pa:ss'], at);
    applyStatsLine(s, ['stats', 'refresh', '10s'], at);
    applyStatsLine(s, ['stats', 'show-desc', 'front', 'door'], at);
    expect(s).toMatchObject({ uri: '/haproxy?stats', users: [{ user: 'admin', pass: 'pa:ss' }], refreshSeconds: 10, showDesc: 'front door' });
  });

  it('stats http-request rules parse, and cannot be mixed with stats auth or realm (HAProxy refuses it)', () => {
    const s = freshStats(at);
    applyStatsLine(s, ['stats', 'http-request', 'auth', 'realm', 'Ops', 'if', 'TRUE'], at);
    applyStatsLine(s, ['stats', 'http-request', 'deny'], at);
    expect(s.rules.map((r) => [r.kind, r.realm, r.cond !== undefined])).toEqual([
      ['auth', 'Ops', true],
      ['deny', undefined, false],
    ]);
    expect(() => applyStatsLine(s, ['stats', 'auth', 'a:b'], at)).toThrow(/can't be used at the same time/);
    expect(() => applyStatsLine(freshStats(at), ['stats', 'http-request', 'tarpit'], at)).toThrow(/allow, deny or auth/);
  });

  it('stats admin needs a condition; unknown parameters are refused', () => {
    expect(() => applyStatsLine(freshStats(at), ['stats', 'admin'], at)).toThrow(/condition/);
    expect(() => applyStatsLine(freshStats(at), ['stats', 'disable'], at)).toThrow(/unknown stats parameter 'disable'/);
    expect(() => applyStatsLine(freshStats(at), ['stats', 'auth', 'nocolon'], at)).toThrow(/USER:PASSWORD/);
  });
});

describe('userlist sections in a file', () => {
  it("regression: a section keyword after a userlist ends it ('program' was read as a userlist line)", async () => {
    const { ConfigParser } = await import('../../src/proxy/config/config-parser.js');
    const p = ConfigParser.parseText('userlist u\n  user a insecure-password x\nprogram api\n  command true\n', 'h.cfg');
    expect(p.userlists?.[0]?.users.map((x) => x.name)).toEqual(['a']);
    expect(p.warnings.some((w) => /h\.cfg:3: .*'program'/.test(w))).toBe(true);
    const m = ConfigParser.parseText('userlist u\n  user a insecure-password x\ncache c\n  total-max-size 1\nuserlist v\n  group g\n', 'h.cfg');
    expect(m.userlists?.map((l) => [l.name, l.users.length, l.groups.length])).toEqual([
      ['u', 1, 0],
      ['v', 0, 1],
    ]);
    expect(m.caches?.map((c) => c.name)).toEqual(['c']);
  });
});
