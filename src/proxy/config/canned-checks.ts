import type { Loc, ProxySettings } from './model.js';
import type { CheckRule } from './server-model.js';
import { syntaxError } from './config-errors.js';

/**
 * The protocol checks HAProxy ships as options (`option redis-check`,
 * `mysql-check`, `pgsql-check`, `smtpchk`, `ssl-hello-chk`, `ldap-check`),
 * written out as the tcp-check rule lists HAProxy 2.6 runs for them. The bytes
 * sent are HAProxy's, byte for byte; the expect rules make the same pass/fail
 * decisions.
 */
export const CANNED_CHECKS = new Set(['redis-check', 'mysql-check', 'pgsql-check', 'smtpchk', 'ssl-hello-chk', 'ldap-check']);

const hex = (h: string) => Buffer.from(h, 'hex').toString('latin1');

/** SSLv3 ClientHello: 39 common RSA/DH cipher suites, NULL compression. */
const SSL_HELLO_HEAD = '16' + '0300' + '0079' + '01' + '000075' + '0300';
const SSL_HELLO_RANDOM = Buffer.from('HAPROXYSSLCHK\nHAPROXYSSLCHK\n', 'latin1').toString('hex');
const SSL_HELLO_CIPHERS = [...Array.from({ length: 0x1b }, (_, i) => i + 1), ...Array.from({ length: 0x3a - 0x2f + 1 }, (_, i) => i + 0x2f)]
  .map((c) => c.toString(16).padStart(4, '0'))
  .join('');
/** Offset of the 4-byte gmt_unix_time field, filled in when the hello is sent. */
export const SSL_HELLO_TIME_AT = 11;

function sslHello(): string {
  return hex(SSL_HELLO_HEAD + '00000000' + SSL_HELLO_RANDOM + '00' + '004e' + SSL_HELLO_CIPHERS + '01' + '00');
}

function expect(what: 'string' | 'rstring' | 'rbinary', pattern: string, at: Loc, extra: { negate?: boolean; minRecv?: number } = {}): CheckRule {
  const r: CheckRule = { kind: 'expect', negate: extra.negate ?? false, what, pattern, loc: at };
  if (extra.minRecv !== undefined) r.minRecv = extra.minRecv;
  return r;
}

function mysqlLogin(user: string, post41: boolean): string {
  const name = Buffer.from(user, 'latin1').toString('hex') + '00';
  const len = user.length + 7 + (post41 ? 27 : 0);
  const header = Buffer.from([len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, 1]).toString('hex');
  const body = post41 ? '00820000' + '00800001' + '21' + '00'.repeat(23) + name + '00' : '0080' + '000001' + name + '00';
  // The login is followed by COM_QUIT so that the server closes cleanly.
  return hex(header + body + '010000' + '00' + '01');
}

/** Rules for `option NAME ARGS…`; throws HAProxy's refusals as config errors. */
export function cannedCheckRules(name: string, args: readonly string[], at: Loc): CheckRule[] {
  const connect: CheckRule = { kind: 'connect', default: true, loc: at };
  switch (name) {
    case 'redis-check':
      if (args.length) throw syntaxError(at, `'option redis-check' cannot handle arguments`);
      return [connect, { kind: 'send', data: '*1\r\n$4\r\nPING\r\n', loc: at }, expect('string', '+PONG\r\n', at)];
    case 'ssl-hello-chk':
      if (args.length) throw syntaxError(at, `'option ssl-hello-chk' cannot handle arguments`);
      return [connect, { kind: 'send', data: sslHello(), gmtTimeAt: SSL_HELLO_TIME_AT, loc: at }, expect('rbinary', '^1[56]', at, { minRecv: 5 })];
    case 'ldap-check':
      if (args.length) throw syntaxError(at, `'option ldap-check' cannot handle arguments`);
      return [
        connect,
        { kind: 'send', data: hex('300c020101600702010304008000'), loc: at },
        expect('rbinary', '^30', at, { minRecv: 14 }),
        { kind: 'expect-custom', check: 'ldap-bindrsp', loc: at },
      ];
    case 'smtpchk': {
      if (args.length > 2) throw syntaxError(at, `'option smtpchk' takes at most 2 arguments (HELO|EHLO domain)`);
      const cmd = args.length === 2 && (args[0] === 'HELO' || args[0] === 'EHLO') ? `${args[0]} ${args[1]}` : 'HELO localhost';
      const reply = () => expect('rstring', '^2[0-9]{2}[- \r]', at, { minRecv: 4 });
      return [
        connect,
        expect('rstring', '^[0-9]{3}[ \r]', at, { minRecv: 4 }),
        expect('rstring', '^2[0-9]{2}[ \r]', at, { minRecv: 4 }),
        { kind: 'send', data: `${cmd}\r\n`, loc: at },
        reply(),
        { kind: 'send', data: 'QUIT\r\n', loc: at },
        reply(),
      ];
    }
    case 'pgsql-check': {
      if (args[0] !== 'user' || !args[1]) throw syntaxError(at, `'option pgsql-check' expects 'user <username>' as argument`);
      if (args.length > 2) throw syntaxError(at, `'option pgsql-check' takes at most 2 arguments`);
      const user = args[1];
      const len = Buffer.alloc(4);
      len.writeUInt32BE(15 + user.length);
      const startup = len.toString('hex') + '00030000' + '7573657200' + Buffer.from(user, 'latin1').toString('hex') + '00' + '00';
      return [
        connect,
        { kind: 'send', data: hex(startup), loc: at },
        expect('rstring', '^E', at, { negate: true, minRecv: 5 }),
        // Any authentication request (ok, cleartext, md5, SCM, GSS, SSPI, SASL) means a live server.
        expect('rbinary', '^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)', at, { minRecv: 9 }),
      ];
    }
    case 'mysql-check': {
      if (args.length === 0) return [connect, { kind: 'expect-custom', check: 'mysql-iniths', loc: at }];
      if (args[0] !== 'user') throw syntaxError(at, `'option mysql-check' only supports optional values: 'user' (got '${args[0]}')`);
      if (!args[1]) throw syntaxError(at, `'option mysql-check user' expects <username> as argument`);
      if (args.length > 3) throw syntaxError(at, `'option mysql-check' takes at most 3 arguments`);
      const variant = args[2];
      if (variant !== undefined && variant !== 'post-41' && variant !== 'pre-41')
        throw syntaxError(at, `keyword 'user' only supports 'post-41' and 'pre-41' (got '${variant}')`);
      return [
        connect,
        // The login goes out without waiting for the server's greeting, as HAProxy does.
        { kind: 'send', data: mysqlLogin(args[1], variant !== 'pre-41'), loc: at },
        { kind: 'expect-custom', check: 'mysql-iniths', loc: at },
        { kind: 'expect-custom', check: 'mysql-ok', loc: at },
      ];
    }
  }
  throw syntaxError(at, `unknown check option '${name}'`);
}

/** `option NAME …` for a protocol check: replaces any other check kind of the section. */
export function parseCannedCheckOption(name: string, args: readonly string[], at: Loc, settings: ProxySettings, negated: boolean): void {
  if (negated) {
    if (settings.tcpCheck?.canned) delete settings.tcpCheck;
    return;
  }
  settings.tcpCheck = { loc: at, canned: { name, rules: cannedCheckRules(name, args, at) } };
  delete settings.httpchk;
}
