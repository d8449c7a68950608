import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BindTlsModel, GlobalModel, Loc, TlsVersion } from './model.js';
import { syntaxError, unsupportedError } from './config-errors.js';
import { splitWords } from './tokenizer.js';

export interface BindParseContext {
  readonly global: GlobalModel;
  readonly crtBase: string;
  resolvePath(file: string): string;
  warn(at: Loc, message: string): void;
  haproxyWarn(at: Loc, message: string): void;
}

export interface ParsedBindOptions {
  ssl: boolean;
  certFiles: string[];
  alpn: string[];
  tls?: BindTlsModel;
  acceptProxy?: boolean;
  name?: string;
}

const VERSIONS: Record<string, TlsVersion> = { SSLv3: 'TLSv1', 'TLSv1.0': 'TLSv1', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };
const ORDER: TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const NO_VERSION: Record<string, TlsVersion> = { 'no-tlsv10': 'TLSv1', 'no-tlsv11': 'TLSv1.1', 'no-tlsv12': 'TLSv1.2', 'no-tlsv13': 'TLSv1.3' };
const FORCE_VERSION: Record<string, TlsVersion> = { 'force-tlsv10': 'TLSv1', 'force-tlsv11': 'TLSv1.1', 'force-tlsv12': 'TLSv1.2', 'force-tlsv13': 'TLSv1.3' };

/** Bind options that only tune the socket or the process: accepted, noted as ignored (value-taking ones first). */
const IGNORED_WITH_VALUE = new Set([
  'id',
  'process',
  'thread',
  'maxconn',
  'backlog',
  'curves',
  'ecdhe',
  'nice',
  'mss',
  'interface',
  'tcp-ut',
  'level',
  'severity-output',
  'mode',
  'user',
  'group',
  'uid',
  'gid',
  'npn',
  'ca-sign-file',
  'ca-sign-pass',
  'sigalgs',
  'client-sigalgs',
  'ca-verify-file',
  'gid',
  'namespace',
  'expose-fd',
  'tls-ticket-keys',
  'alpn-fallback',
]);
const IGNORED_FLAGS = new Set(['v4v6', 'v6only', 'defer-accept', 'tfo', 'allow-0rtt', 'no-ca-names', 'ssl_fc', 'no-sslv3', 'quic-force-retry']);

/** Reads the option words of one `bind` line (after the address) with HAProxy 2.6's meaning. */
export function parseBindOptions(words: readonly string[], at: Loc, ctx: BindParseContext): ParsedBindOptions {
  const out: ParsedBindOptions = { ssl: false, certFiles: [], alpn: [] };
  const tls: BindTlsModel = { verify: 'none', strictSni: false, preferClientCiphers: false, noTlsTickets: false, sniFilters: {} };
  const disabled = new Set<TlsVersion>();
  let forced: TlsVersion | undefined;

  const crtPath = (f: string) => ctx.resolvePath(f.startsWith('/') || !ctx.crtBase ? f : `${ctx.crtBase}/${f}`);
  const caPath = (f: string) => ctx.resolvePath(f.startsWith('/') || !ctx.global.caBase ? f : `${ctx.global.caBase}/${f}`);
  const apply = (list: readonly string[], fromDefaults: boolean) => {
    const value = (i: number, what: string): string => {
      const v = list[i];
      if (v === undefined || v === '') throw syntaxError(at, `bind option '${list[i - 1]}' needs ${what}`);
      return v;
    };
    for (let i = 0; i < list.length; i++) {
      const w = list[i]!;
      switch (w) {
        case 'ssl':
          out.ssl = true;
          break;
        case 'crt': {
          const f = crtPath(value(++i, 'a PEM file or a directory'));
          out.certFiles.push(...certificatesIn(f, at));
          break;
        }
        case 'crt-list': {
          const f = crtPath(value(++i, 'a file'));
          for (const entry of readCrtList(f, at, crtPath)) {
            out.certFiles.push(entry.file);
            if (entry.filters.length > 0) tls.sniFilters[entry.file] = entry.filters;
          }
          break;
        }
        case 'ca-file':
          tls.caFile = caPath(value(++i, 'a file'));
          break;
        case 'crl-file':
          tls.crlFile = caPath(value(++i, 'a file'));
          break;
        case 'verify': {
          const v = value(++i, 'none, optional or required');
          if (v !== 'none' && v !== 'optional' && v !== 'required')
            throw syntaxError(at, `bind option 'verify' expects none, optional or required, got '${v}'`);
          tls.verify = v;
          break;
        }
        case 'ca-ignore-err':
        case 'crt-ignore-err': {
          const v = value(++i, "'all' or a list of error IDs");
          if (w === 'ca-ignore-err') tls.caIgnoreErr = v;
          else tls.crtIgnoreErr = v;
          break;
        }
        case 'strict-sni':
          tls.strictSni = true;
          break;
        case 'ssl-min-ver':
        case 'ssl-max-ver': {
          const v = value(++i, 'a version such as TLSv1.2');
          const mapped = VERSIONS[v];
          if (!mapped) throw syntaxError(at, `bind option '${w}': '${v}' : unknown ssl/tls version; use SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3`);
          if (w === 'ssl-min-ver') tls.minVersion = mapped;
          else tls.maxVersion = mapped;
          break;
        }
        case 'no-tlsv10':
        case 'no-tlsv11':
        case 'no-tlsv12':
        case 'no-tlsv13':
          disabled.add(NO_VERSION[w]!);
          break;
        case 'force-tlsv10':
        case 'force-tlsv11':
        case 'force-tlsv12':
        case 'force-tlsv13':
          forced = FORCE_VERSION[w];
          break;
        case 'ciphers':
          tls.ciphers = value(++i, 'a cipher list');
          break;
        case 'ciphersuites':
          tls.ciphersuites = value(++i, 'a TLS 1.3 cipher suite list');
          break;
        case 'no-tls-tickets':
          tls.noTlsTickets = true;
          break;
        case 'prefer-client-ciphers':
          tls.preferClientCiphers = true;
          break;
        case 'alpn': {
          const list = value(++i, 'a list such as h2,http/1.1');
          out.alpn = list.split(',');
          for (const p of out.alpn)
            if (p !== 'h2' && p !== 'http/1.1' && p !== 'http/1.0') throw unsupportedError(at, `ALPN protocol '${p}' is not supported; use h2 and http/1.1`);
          break;
        }
        case 'name':
          out.name = value(++i, 'a name');
          break;
        case 'accept-proxy':
          out.acceptProxy = true;
          break;
        case 'transparent':
        case 'generate-certificates':
        case 'quic':
          throw unsupportedError(at, `bind option '${w}' is not supported by docklab; remove it`);
        case 'proto':
          throw unsupportedError(
            at,
            `bind option 'proto ${list[i + 1] ?? ''}' is not supported (clear-text HTTP/2 is not served); use 'ssl … alpn h2,http/1.1'`,
          );
        default:
          if (IGNORED_WITH_VALUE.has(w)) {
            value(++i, 'a value');
            if (!fromDefaults) ctx.warn(at, `bind option '${w}' is ignored by docklab`);
            break;
          }
          if (IGNORED_FLAGS.has(w)) {
            if (!fromDefaults) ctx.warn(at, `bind option '${w}' is ignored by docklab`);
            break;
          }
          throw unsupportedError(
            at,
            `bind option '${w}' is not supported; supported: ssl, crt, crt-list, ca-file, crl-file, verify, strict-sni, ssl-min-ver, ssl-max-ver, ciphers, ciphersuites, alpn, no-tls-tickets, name, accept-proxy`,
          );
      }
    }
  };
  const own = words;
  if (own.includes('ssl')) {
    const defaults = ctx.global.sslDefaultBindOptions ?? [];
    if (ctx.global.sslDefaultBindCiphers) tls.ciphers = ctx.global.sslDefaultBindCiphers;
    if (ctx.global.sslDefaultBindCiphersuites) tls.ciphersuites = ctx.global.sslDefaultBindCiphersuites;
    apply(defaults, true);
  }
  apply(own, false);
  if (forced) {
    tls.minVersion ??= forced;
    tls.maxVersion ??= forced;
  }
  if (disabled.size > 0) {
    if (tls.minVersion || tls.maxVersion) {
      ctx.haproxyWarn(at, `no-sslv3/no-tlsv1x are ignored for this bind. Use only 'ssl-min-ver' and 'ssl-max-ver' to fix`);
    } else {
      const enabled = ORDER.filter((v) => !disabled.has(v));
      if (enabled.length === 0) throw syntaxError(at, `every TLS version is disabled on this bind`);
      tls.minVersion = enabled[0];
      tls.maxVersion = enabled[enabled.length - 1];
    }
  }
  if (out.ssl && out.certFiles.length === 0) throw syntaxError(at, `no SSL certificate specified for this bind (use 'crt FILE.pem' or 'crt-list FILE')`);
  if (!out.ssl && out.certFiles.length > 0) throw syntaxError(at, `'crt' without 'ssl' on this bind; add 'ssl'`);
  if (out.ssl && tls.verify !== 'none' && !tls.caFile) throw syntaxError(at, `verify is enabled but no CA file specified for this bind; add 'ca-file FILE'`);
  if (out.ssl) out.tls = tls;
  return out;
}

/** `crt FILE` or `crt DIR`: a directory gives every certificate in it (not .key/.ocsp/.issuer/.sctl companions), sorted. */
function certificatesIn(path: string, at: Loc): string[] {
  let isDir = false;
  // A missing file is reported when certificates are loaded (with its own error code).
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return [path];
  }
  if (!isDir) return [path];
  const files = readdirSync(path)
    .filter((f) => !f.startsWith('.') && !/\.(key|ocsp|issuer|sctl|dh)$/.test(f))
    .sort()
    .map((f) => join(path, f))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  if (files.length === 0) throw syntaxError(at, `no certificate found in directory '${path}'`);
  return files;
}

/**
 * A crt-list: one certificate per line, optional `[options]` then SNI
 * filters (`*.example.com`, `!www.example.com`). Per-certificate options
 * are refused rather than silently dropped.
 */
function readCrtList(path: string, at: Loc, crtPath: (f: string) => string): { file: string; filters: string[] }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw syntaxError(at, `crt-list: unable to open file '${path}'`);
  }
  const out: { file: string; filters: string[] }[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const lineAt = { file: path, line: n + 1 };
    const words = splitWords(line, lineAt, {});
    if (words.length === 0) return;
    const file = words[0]!;
    let rest = words.slice(1);
    if (rest[0]?.startsWith('[')) {
      const close = rest.findIndex((w) => w.endsWith(']'));
      const opts = rest
        .slice(0, close + 1)
        .join(' ')
        .replace(/^\[|\]$/g, '')
        .trim();
      if (opts !== '')
        throw unsupportedError(lineAt, `per-certificate options '[${opts}]' in a crt-list are not supported by docklab; put them on the bind line`);
      rest = rest.slice(close + 1);
    }
    out.push({ file: crtPath(file), filters: rest.map((f) => f.toLowerCase()) });
  });
  if (out.length === 0) throw syntaxError(at, `crt-list '${path}' lists no certificate`);
  return out;
}
