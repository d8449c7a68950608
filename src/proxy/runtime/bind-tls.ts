import { readFileSync } from 'node:fs';
import { constants as cryptoConstants } from 'node:crypto';
import { createSecureContext, type SecureContext, type TlsOptions, type TLSSocket } from 'node:tls';
import { configError } from '../config/config-errors.js';
import type { BindModel } from '../config/model.js';
import type { TlsMaterial } from './tls-material.js';

/**
 * Node TLS server options for an `ssl` bind, with HAProxy's meaning:
 * certificate choice by SNI (crt-list filters, strict-sni), TLS versions,
 * ciphers (server preference unless prefer-client-ciphers), tickets, and
 * client certificates (`verify`, `ca-file`, `crl-file`).
 */
export function bindTlsOptions(bind: BindModel, materials: readonly TlsMaterial[]): TlsOptions {
  const t = bind.tls;
  const first = materials[0]!;
  const opts: TlsOptions = { cert: first.cert, key: first.key };
  const filtered = materials.map((m, i) => ({ m, ...namesFor(m, bind.certFiles[i]!, bind) }));
  const needsSelector = materials.length > 1 || t?.strictSni || filtered.some((f) => f.names !== f.m.names || f.excluded.size > 0);
  if (needsSelector) opts.SNICallback = selector(filtered, t?.strictSni ?? false, bind);
  if (!t) return opts;
  if (t.minVersion) opts.minVersion = t.minVersion;
  if (t.maxVersion) opts.maxVersion = t.maxVersion;
  const ciphers = [t.ciphersuites, t.ciphers].filter((c): c is string => !!c).join(':');
  if (ciphers) opts.ciphers = ciphers;
  opts.honorCipherOrder = !t.preferClientCiphers;
  if (t.noTlsTickets) opts.secureOptions = cryptoConstants.SSL_OP_NO_TICKET;
  if (t.verify !== 'none') {
    opts.requestCert = true;
    // `optional` and ignored errors let the handshake finish; acceptTlsClient then decides.
    opts.rejectUnauthorized = t.verify === 'required' && !t.caIgnoreErr && !t.crtIgnoreErr;
    opts.ca = readPem(t.caFile!, bind, 'ca-file');
    if (t.crlFile) opts.crl = readPem(t.crlFile, bind, 'crl-file');
  }
  return opts;
}

function readPem(file: string, bind: BindModel, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw configError('DOCKLAB_CERT_INVALID', bind.loc, `${what} '${file}' cannot be read; check the path`);
  }
}

/** The names a certificate answers for: crt-list filters when given, else its own names; `!name` excludes a name. */
function namesFor(m: TlsMaterial, file: string, bind: BindModel): { names: string[]; excluded: Set<string> } {
  const filters = bind.tls?.sniFilters[file];
  if (!filters || filters.length === 0) return { names: m.names, excluded: new Set() };
  const positive = filters.filter((f) => !f.startsWith('!'));
  const excluded = new Set(filters.filter((f) => f.startsWith('!')).map((f) => f.slice(1)));
  return { names: positive.length > 0 ? positive : m.names, excluded };
}

function selector(
  entries: { m: TlsMaterial; names: string[]; excluded: Set<string> }[],
  strict: boolean,
  bind: BindModel,
): (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void {
  const t = bind.tls;
  const contexts = entries.map((e) => ({
    names: e.names,
    excluded: e.excluded,
    ctx: createSecureContext({
      cert: e.m.cert,
      key: e.m.key,
      ...(t?.minVersion ? { minVersion: t.minVersion } : {}),
      ...(t?.maxVersion ? { maxVersion: t.maxVersion } : {}),
      ...(t && (t.ciphers || t.ciphersuites) ? { ciphers: [t.ciphersuites, t.ciphers].filter(Boolean).join(':') } : {}),
      ...(t && t.verify !== 'none' && t.caFile ? { ca: readPem(t.caFile, bind, 'ca-file') } : {}),
      ...(t?.crlFile && t.verify !== 'none' ? { crl: readPem(t.crlFile, bind, 'crl-file') } : {}),
    }),
  }));
  return (servername, cb) => {
    const name = servername.toLowerCase();
    const wildcard = `*.${name.split('.').slice(1).join('.')}`;
    const usable = contexts.filter((c) => !c.excluded.has(name));
    const hit = usable.find((c) => c.names.includes(name)) ?? usable.find((c) => c.names.includes(wildcard));
    if (hit) {
      cb(null, hit.ctx);
      return;
    }
    if (strict) {
      cb(new Error(`no certificate for '${servername}' (strict-sni)`));
      return;
    }
    cb(null, contexts[0]!.ctx);
  };
}

/**
 * Checks a finished handshake the way HAProxy's would have ended: with
 * strict-sni a client that sent no SNI is refused; with `verify optional`
 * a certificate that does not verify is refused unless its error is in
 * ca-ignore-err/crt-ignore-err; with `verify required` one is needed.
 * Returns false when the connection must be dropped.
 */
export function acceptTlsClient(socket: TLSSocket, bind: BindModel): boolean {
  const t = bind.tls;
  if (!t) return true;
  if (t.strictSni && !socket.servername) return false;
  if (t.verify === 'none') return true;
  const cert = socket.getPeerCertificate();
  const presented = !!cert && Object.keys(cert).length > 0;
  if (!presented) return t.verify !== 'required';
  if (socket.authorized) return true;
  const code = verifyErrorNumber(String(socket.authorizationError ?? ''));
  return ignored(code, t.crtIgnoreErr) || ignored(code, t.caIgnoreErr);
}

function ignored(code: number, list: string | undefined): boolean {
  if (!list) return false;
  if (list === 'all') return true;
  return list.split(',').some((c) => Number(c) === code);
}

/** OpenSSL's X509_V_ERR numbers for the verification errors Node names. */
const VERIFY_ERRORS: Record<string, number> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_CRL: 3,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 5,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6,
  CERT_SIGNATURE_FAILURE: 7,
  CRL_SIGNATURE_FAILURE: 8,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  CRL_NOT_YET_VALID: 11,
  CRL_HAS_EXPIRED: 12,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 13,
  ERROR_IN_CERT_NOT_AFTER_FIELD: 14,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: 15,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: 16,
  OUT_OF_MEM: 17,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  HOSTNAME_MISMATCH: 62,
};

export function verifyErrorNumber(name: string): number {
  return VERIFY_ERRORS[name] ?? (name ? 1 : 0);
}
