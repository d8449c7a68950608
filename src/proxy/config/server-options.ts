import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Loc, ServerModel, ServerOptions } from './model.js';
import { syntaxError, unsupportedError } from './config-errors.js';
import { parseTime } from './time-units.js';
import { where } from './config-line.js';

export interface ServerOptionContext {
  warn(at: Loc, message: string): void;
  /** An absolute path for a file named in the configuration. */
  resolvePath(path: string): string;
}

function int(text: string | undefined, at: Loc, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined || !/^\d+$/.test(text)) throw syntaxError(at, `'${what}' expects an integer argument, got '${text ?? ''}'`);
  const n = Number(text);
  if (n < min || n > max) throw syntaxError(at, `'${what}' must be between ${min} and ${max}, got ${n}`);
  return n;
}

function time(text: string | undefined, at: Loc, what: string): number {
  const ms = text === undefined ? null : parseTime(text);
  if (ms === null) throw syntaxError(at, `'${what}' expects a time such as 2s or 500ms, got '${text ?? ''}'`);
  return ms;
}

/** TLS tuning options that change nothing docklab can observe; accepted with a note. */
const TLS_FLAGS = new Set([
  'no-sslv3',
  'no-tlsv10',
  'no-tlsv11',
  'no-tlsv12',
  'no-tlsv13',
  'force-sslv3',
  'force-tlsv10',
  'force-tlsv11',
  'force-tlsv12',
  'force-tlsv13',
  'no-ssl-reuse',
  'ssl-reuse',
  'no-tls-tickets',
  'tls-tickets',
  'allow-0rtt',
  'no-send-proxy',
  'no-verifyhost',
]);
const TLS_VALUED = new Set(['ciphers', 'ciphersuites', 'ssl-min-ver', 'ssl-max-ver', 'curves', 'sigalgs', 'client-sigalgs', 'crl-file', 'verifyhost', 'npn']);
/** Options without effect on what a client or server sees here (tuning, DNS details, pools, logs). */
const QUIET_VALUED = new Set([
  'maxqueue',
  'minconn',
  'resolve-prefer',
  'resolve-net',
  'resolve-opts',
  'pool-max-conn',
  'pool-purge-delay',
  'pool-low-conn',
  'log-proto',
  'max-reuse',
  'tcp-ut',
  'agent-inter',
  'agent-port',
  'agent-send',
  'agent-addr',
  'set-proxy-v2-tlv-fmt',
  'ws',
  'shard',
  'log-bufsize',
]);
const QUIET_FLAGS = new Set([
  'enabled',
  'tfo',
  'no-tfo',
  'non-stick',
  'stick',
  'no-agent-check',
  'no-check-ssl',
  'no-ssl',
  'no-backup',
  'no-check',
  'no-send-proxy-v2',
  'no-tls-tickets',
  'check-via-socks4',
]);

/**
 * Options of `server`, `server-template` and `default-server`, as HAProxy 2.6
 * reads them. Options that would change what the client or the server sees
 * and that docklab cannot honour are errors naming the option.
 */
export function parseServerOptions(words: readonly string[], at: Loc, ctx: ServerOptionContext): ServerOptions {
  const o: ServerOptions = {};
  const notes: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = () => {
      const v = words[++i];
      if (v === undefined) throw syntaxError(at, `'${w}' expects an argument`);
      return v;
    };
    switch (w) {
      case 'check':
        o.check = true;
        break;
      case 'no-check':
        o.check = false;
        break;
      case 'inter':
        o.inter = time(value(), at, w);
        break;
      case 'fastinter':
        o.fastinter = time(value(), at, w);
        break;
      case 'downinter':
        o.downinter = time(value(), at, w);
        break;
      case 'rise':
        o.rise = int(value(), at, w, 1);
        break;
      case 'fall':
        o.fall = int(value(), at, w, 1);
        break;
      case 'weight':
        o.weight = int(value(), at, w, 0, 256);
        break;
      case 'backup':
        o.backup = true;
        break;
      case 'no-backup':
        o.backup = false;
        break;
      case 'maxconn':
        o.maxconn = int(value(), at, w);
        break;
      case 'disabled':
        o.disabled = true;
        break;
      case 'enabled':
        o.disabled = false;
        break;
      case 'cookie':
        o.cookie = value();
        break;
      case 'port':
        o.port = int(value(), at, w, 1, 65535);
        break;
      case 'id':
        o.id = int(value(), at, w, 1);
        break;
      case 'addr':
        o.checkAddr = value();
        break;
      case 'slowstart':
        o.slowstart = time(value(), at, w);
        break;
      // TLS to the server.
      case 'ssl':
        o.ssl = true;
        break;
      case 'no-ssl':
        o.ssl = false;
        break;
      case 'verify': {
        const v = value();
        if (v !== 'none' && v !== 'required') throw syntaxError(at, `'verify' expects 'none' or 'required', got '${v}'`);
        o.verify = v;
        break;
      }
      case 'ca-file':
        o.caFile = ctx.resolvePath(value());
        break;
      case 'crt':
        o.crtFile = ctx.resolvePath(value());
        break;
      case 'sni':
        o.sni = value();
        break;
      case 'check-ssl':
        o.checkSsl = true;
        break;
      case 'no-check-ssl':
        o.checkSsl = false;
        break;
      case 'check-sni':
        o.checkSni = value();
        break;
      case 'alpn':
        o.alpn = value().split(',');
        break;
      case 'check-alpn':
        o.checkAlpn = value().split(',');
        break;
      case 'proto': {
        const p = value();
        if (p === 'h2') o.proto = 'h2';
        else if (p === 'h1') delete o.proto;
        else throw unsupportedError(at, `'proto ${p}' is not supported; use h2 or h1`);
        break;
      }
      // Addressing.
      case 'resolvers':
        o.resolvers = value();
        break;
      case 'init-addr': {
        const methods = value().split(',');
        for (const m of methods)
          if (m !== 'last' && m !== 'libc' && m !== 'none' && !isIP(m))
            throw syntaxError(at, `'init-addr' expects 'last', 'libc', 'none' or an IP address, got '${m}'`);
        o.initAddr = methods;
        break;
      }
      // Health related.
      case 'on-marked-down': {
        const v = value();
        if (v !== 'shutdown-sessions') throw syntaxError(at, `'on-marked-down' expects 'shutdown-sessions', got '${v}'`);
        o.onMarkedDown = v;
        break;
      }
      case 'on-marked-up': {
        const v = value();
        if (v !== 'shutdown-backup-sessions') throw syntaxError(at, `'on-marked-up' expects 'shutdown-backup-sessions', got '${v}'`);
        o.onMarkedUp = v;
        break;
      }
      case 'observe': {
        const v = value();
        if (v !== 'layer4' && v !== 'layer7' && v !== 'none') throw syntaxError(at, `'observe' expects 'none', 'layer4' or 'layer7', got '${v}'`);
        if (v === 'none') delete o.observe;
        else o.observe = v;
        break;
      }
      case 'error-limit':
        o.errorLimit = int(value(), at, w, 1);
        break;
      case 'on-error': {
        const v = value();
        if (v !== 'fastinter' && v !== 'fail-check' && v !== 'sudden-death' && v !== 'mark-down')
          throw syntaxError(at, `'on-error' expects fastinter, fail-check, sudden-death or mark-down, got '${v}'`);
        o.onError = v;
        break;
      }
      case 'agent-check':
        throw unsupportedError(
          at,
          `server option 'agent-check' (a separate agent reporting the server's weight and state) is not supported; use 'check' with 'option httpchk'`,
        );
      case 'send-proxy':
        o.sendProxy = 1;
        break;
      case 'send-proxy-v2':
        o.sendProxy = 2;
        break;
      case 'check-send-proxy':
        o.checkSendProxy = true;
        break;
      case 'send-proxy-v2-ssl':
      case 'send-proxy-v2-ssl-cn':
        throw unsupportedError(at, `server option '${w}' (PROXY protocol v2 with TLS details) is not supported; use send-proxy-v2`);
      case 'track':
        throw unsupportedError(at, `server option 'track' (taking another server's health) is not supported; give this server its own 'check'`);
      case 'redir':
        throw unsupportedError(at, `server option 'redir' (redirecting clients to the server) is not supported; use 'http-request redirect'`);
      case 'source':
      case 'usesrc':
      case 'namespace':
      case 'socks4':
        throw unsupportedError(at, `server option '${w}' (outgoing address or network namespace) is not supported; remove it`);
      default:
        if (TLS_FLAGS.has(w)) {
          notes.push(w);
          break;
        }
        if (TLS_VALUED.has(w)) {
          notes.push(`${w} ${value()}`);
          break;
        }
        if (QUIET_FLAGS.has(w)) {
          ctx.warn(at, `server option '${w}' is ignored by docklab`);
          break;
        }
        if (QUIET_VALUED.has(w)) {
          value();
          ctx.warn(at, `server option '${w}' is ignored by docklab`);
          break;
        }
        throw unsupportedError(
          at,
          `unknown or unsupported server option '${w}'; supported: check, inter, fastinter, downinter, rise, fall, weight, backup, maxconn, disabled, cookie, port, id, ssl, verify, ca-file, crt, sni, check-ssl, check-sni, alpn, proto, init-addr, resolvers, on-marked-down, observe`,
        );
    }
  }
  if (notes.length) o.sslNotes = notes;
  // Parsed for validity, but without effect here: say so rather than pretend.
  const inert: [keyof ServerOptions, string][] = [
    ['slowstart', 'slowstart'],
    ['onMarkedUp', 'on-marked-up'],
    ['checkAddr', 'addr'],
    ['resolvers', 'resolvers (names are resolved once at start)'],
  ];
  for (const [k, label] of inert) if (o[k] !== undefined) ctx.warn(at, `server option '${label}' is ignored by docklab`);
  return o;
}

/** Server names of `server-template PREFIX NUM|FIRST-LAST`. */
export function templateNames(prefix: string, range: string, at: Loc): string[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!m) throw syntaxError(at, `'server-template' expects a number or a range such as 1-5 after the prefix, got '${range}'`);
  const first = m[2] === undefined ? 1 : Number(m[1]);
  const last = m[2] === undefined ? Number(m[1]) : Number(m[2]);
  if (first < 1 || last < first) throw syntaxError(at, `invalid range '${range}' in 'server-template'`);
  if (last - first >= 4096) throw syntaxError(at, `'server-template' range '${range}' is too large`);
  const names: string[] = [];
  for (let n = first; n <= last; n++) names.push(`${prefix}${n}`);
  return names;
}

/** HAProxy's server ids in declaration order: explicit `id N`, otherwise the next free number. */
export function serverIds(servers: readonly ServerModel[]): number[] {
  const taken = new Set(servers.map((s) => s.options.id).filter((n): n is number => n !== undefined));
  let next = 1;
  return servers.map((s) => {
    if (s.options.id !== undefined) return s.options.id;
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  });
}

/**
 * Checks made once the file is read, as HAProxy makes them: TLS to a server
 * verifies its certificate unless `verify none` (or `ssl-server-verify none`),
 * which needs a CA file; named files must exist; ids are unique.
 */
export function checkServers(servers: readonly ServerModel[], globalVerify: 'none' | 'required' | undefined, proxyName: string): void {
  const ids = new Map<number, ServerModel>();
  for (const s of servers) {
    const o = s.options;
    if (o.id !== undefined) {
      const other = ids.get(o.id);
      if (other)
        throw syntaxError(s.loc, `server '${s.name}' has the same id ${o.id} as server '${other.name}' (${where(other.loc)}) in backend '${proxyName}'`);
      ids.set(o.id, s);
    }
    const tls = o.ssl || o.checkSsl;
    if (!tls) continue;
    if (o.caFile && !existsSync(o.caFile)) throw syntaxError(s.loc, `'server ${proxyName}/${s.name}' : couldn't open the ca-file '${o.caFile}'`);
    if (o.crtFile && !existsSync(o.crtFile))
      throw syntaxError(s.loc, `'server ${proxyName}/${s.name}' : unable to stat SSL certificate from file '${o.crtFile}'`);
    const verify = o.verify ?? globalVerify ?? 'required';
    if (verify === 'required' && !o.caFile) {
      throw syntaxError(
        s.loc,
        `'server ${proxyName}/${s.name}' : verify is enabled by default but no CA file specified; add 'ca-file FILE', or 'verify none' on the server line, or 'ssl-server-verify none' in the global section`,
      );
    }
  }
}
