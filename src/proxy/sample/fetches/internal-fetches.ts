import { isIPv4, isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { syntaxError } from '../../config/config-errors.js';
import { registerFetch } from '../sample-registry.js';
import { txnOf } from '../../acl/sample-source.js';
import { parseVarName } from '../txn.js';
import type { Sample } from '../sample-types.js';

/** Constants, environment, time, variables and proxy names: fetches that read no traffic. */

const internal = { layer: 'internal' } as const;

registerFetch('always_true', { ...internal, defaultMatch: 'bool', type: 'bool', args: [0, 0] }, () => true);
registerFetch('always_false', { ...internal, defaultMatch: 'bool', type: 'bool', args: [0, 0] }, () => false);
registerFetch(
  'int',
  {
    ...internal,
    defaultMatch: 'int',
    type: 'int',
    args: [1, 1],
    checkArgs: (a, at) => {
      if (!/^[-+]?\d+$/.test(a[0]!)) throw syntaxError(at, `int() needs a whole number, got '${a[0]}'`);
      return a;
    },
  },
  (a) => Number(a[0]),
);
registerFetch('str', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 1] }, (a) => [a[0] ?? '']);
registerFetch(
  'bool',
  {
    ...internal,
    defaultMatch: 'bool',
    type: 'bool',
    args: [1, 1],
    checkArgs: (a, at) => {
      if (!/^[-+]?\d+$/.test(a[0]!)) throw syntaxError(at, `bool() needs 0 or 1, got '${a[0]}'`);
      return a;
    },
  },
  (a) => Number(a[0]) !== 0,
);
registerFetch(
  'ipv4',
  {
    ...internal,
    defaultMatch: 'ip',
    type: 'ip',
    args: [1, 1],
    checkArgs: (a, at) => {
      if (!isIPv4(a[0]!)) throw syntaxError(at, `ipv4() needs an IPv4 address, got '${a[0]}'`);
      return a;
    },
  },
  (a) => [a[0]!],
);
registerFetch(
  'ipv6',
  {
    ...internal,
    defaultMatch: 'ip',
    type: 'ip',
    args: [1, 1],
    checkArgs: (a, at) => {
      if (!isIPv6(a[0]!)) throw syntaxError(at, `ipv6() needs an IPv6 address, got '${a[0]}'`);
      return a;
    },
  },
  (a) => [a[0]!],
);
registerFetch('env', { ...internal, defaultMatch: 'str', type: 'str', args: [1, 1] }, (a) => {
  const v = process.env[a[0]!];
  return v === undefined ? [] : [v];
});
registerFetch('date', { ...internal, defaultMatch: 'int', type: 'int', args: [0, 2] }, (a) => {
  const offset = a[0] ? Number(a[0]) : 0;
  const unit = a[1] ?? 's';
  const ms = Date.now();
  const scaled = unit === 'ms' ? ms : unit === 'us' ? ms * 1000 : Math.floor(ms / 1000);
  return scaled + (unit === 'ms' ? offset * 1000 : unit === 'us' ? offset * 1_000_000 : offset);
});
registerFetch('rand', { ...internal, defaultMatch: 'int', type: 'int', args: [0, 1] }, (a) => {
  const range = a[0] ? Number(a[0]) : 2 ** 32;
  return Math.floor(Math.random() * range);
});
registerFetch(
  'var',
  {
    ...internal,
    defaultMatch: 'str',
    type: 'any',
    args: [1, 2],
    checkArgs: (a, at) => {
      if (!parseVarName(a[0]!)) throw syntaxError(at, `invalid variable name '${a[0]}'; write SCOPE.NAME with SCOPE one of proc, sess, txn, req, res`);
      return a;
    },
  },
  (a, s): Sample => {
    const { scope, name } = parseVarName(a[0]!)!;
    const v = txnOf(s).getVar(scope, name) ?? a[1];
    if (v === undefined) return [];
    return typeof v === 'string' ? [v] : typeof v === 'bigint' ? [String(v)] : v;
  },
);
registerFetch('fe_name', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 0] }, (_a, s) => {
  const f = txnOf(s).frontend;
  return f ? [f.name] : [];
});
registerFetch('be_name', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 0], needs: 'backend' }, (_a, s) => {
  const b = txnOf(s).backend;
  return b ? [b.name] : [];
});
registerFetch('srv_name', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 0], needs: 'server' }, (_a, s) => {
  const v = txnOf(s).server;
  return v ? [v.name] : [];
});
registerFetch('nbsrv', { ...internal, defaultMatch: 'int', type: 'int', args: [0, 1] }, (a, s) => {
  const t = txnOf(s);
  const b = a[0] ? t.findBackend?.(a[0]) : t.backend;
  return b ? b.usableServers() : 0;
});
registerFetch('hostname', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 0] }, () => [hostname()]);
registerFetch('uuid', { ...internal, defaultMatch: 'str', type: 'str', args: [0, 1] }, () => [randomUUID()]);
