/**
 * Expect steps of the protocol checks that no pattern can express: they read
 * the server's answer as MySQL packets or an LDAP bind response. `data` is
 * everything received since the last send (as latin1), `final` says no more
 * will come (closed or buffer full). Each returns pass, wait, or the failure.
 */
export type CustomCheck = 'mysql-iniths' | 'mysql-ok' | 'ldap-bindrsp';

export type CustomVerdict = { verdict: 'pass' | 'wait' } | { verdict: 'fail'; status: string };

const byte = (data: string, i: number) => data.charCodeAt(i) & 0xff;

/** One MySQL packet at `offset`: a 3-byte little-endian length, a sequence id, the payload. */
function mysqlPacket(data: string, offset: number, final: boolean): CustomVerdict {
  const truncated = (): CustomVerdict => (final ? { verdict: 'fail', status: 'Layer7 invalid response' } : { verdict: 'wait' });
  if (data.length < offset + 4) return truncated();
  const len = byte(data, offset) + (byte(data, offset + 1) << 8) + (byte(data, offset + 2) << 16);
  if (data.length < offset + len + 4) return truncated();
  if (byte(data, offset + 4) === 0xff) {
    const code = byte(data, offset + 5) + (byte(data, offset + 6) << 8);
    return { verdict: 'fail', status: `Layer7 wrong status, code: ${code}, info: "${data.slice(offset + 7).replace(/[^\x20-\x7e]/g, '')}"` };
  }
  return { verdict: 'pass' };
}

function ldapBindResponse(data: string): CustomVerdict {
  const notLdap: CustomVerdict = { verdict: 'fail', status: 'Layer7 invalid response, info: "Not LDAPv3 protocol"' };
  // LDAPMessage length in long form takes (byte & 0x7f) extra bytes; at most 2 are accepted.
  let extra = byte(data, 1) & 0x80 ? byte(data, 1) & 0x7f : 0;
  if (extra > 2 || data.slice(2 + extra, 6 + extra) !== '\x02\x01\x01\x61') return notLdap;
  extra += byte(data, extra + 6) & 0x80 ? byte(data, extra + 6) & 0x7f : 0;
  if (extra > 4 || data.slice(7 + extra, 9 + extra) !== '\x0a\x01') return notLdap;
  const code = byte(data, extra + 9);
  if (code !== 0) return { verdict: 'fail', status: `Layer7 wrong status, code: ${code}` };
  return { verdict: 'pass' };
}

export function runCustomExpect(check: CustomCheck, data: string, final: boolean): CustomVerdict {
  switch (check) {
    case 'mysql-iniths':
      return mysqlPacket(data, 0, final);
    case 'mysql-ok': {
      // The answer to the login follows the server's greeting in the same buffer.
      const greeting = 4 + byte(data, 0) + (byte(data, 1) << 8) + (byte(data, 2) << 16);
      return mysqlPacket(data, greeting, final);
    }
    case 'ldap-bindrsp':
      return ldapBindResponse(data);
  }
}
