import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { registerFetch } from '../sample-registry.js';
import type { SampleSource } from '../../acl/sample-source.js';
import { verifyErrorNumber } from '../../runtime/bind-tls.js';
import { syntaxError } from '../../config/config-errors.js';

/**
 * Client-certificate fetches (`ssl_c_*`) of a TLS bind with `verify`.
 * Read once per connection: every request on it sees the same certificate.
 */
interface ClientCertInfo {
  cert: X509Certificate | undefined;
  verify: number;
}

const cache = new WeakMap<TLSSocket, ClientCertInfo>();

function clientCert(src: SampleSource): ClientCertInfo | undefined {
  const s = src.tlsSocket;
  if (!s) return undefined;
  let info = cache.get(s);
  if (!info) {
    const peer = s.getPeerCertificate(false);
    const raw = peer && 'raw' in peer ? peer.raw : undefined;
    let cert: X509Certificate | undefined;
    try {
      cert = raw ? new X509Certificate(raw) : undefined;
    } catch {
      cert = undefined;
    }
    info = { cert, verify: cert && !s.authorized ? verifyErrorNumber(String(s.authorizationError ?? '')) : 0 };
    cache.set(s, info);
  }
  return info;
}

/** A distinguished name as OpenSSL prints it on one line: `/C=FR/O=Acme/CN=alice`. */
function oneLine(dn: string): string {
  return dn
    .split('\n')
    .filter(Boolean)
    .map((part) => `/${part}`)
    .join('');
}

/** `ssl_c_s_dn([entry[,occ[,format]]])`: the whole DN, or one entry (occurrence counted from 1, negative from the end). */
function dnFetch(which: 'subject' | 'issuer') {
  return (args: readonly string[], src: SampleSource): string[] => {
    const cert = clientCert(src)?.cert;
    if (!cert) return [];
    const dn = cert[which];
    if (args.length === 0 || !args[0]) return [oneLine(dn)];
    const values = dn
      .split('\n')
      .filter(Boolean)
      .map((p) => p.split('='))
      .filter(([k]) => k === args[0])
      .map(([, ...v]) => v.join('='));
    const occ = args[1] ? Number(args[1]) : -1;
    const v = occ > 0 ? values[occ - 1] : values[values.length + occ];
    return v === undefined ? [] : [v];
  };
}

const checkDnArgs = (args: string[], at: { file: string; line: number }): string[] => {
  if (args[1] !== undefined && !/^-?\d+$/.test(args[1])) throw syntaxError(at, `the occurrence after the DN entry must be a number, got '${args[1]}'`);
  if (args[2] !== undefined && args[2] !== 'rfc2253') throw syntaxError(at, `unsupported DN format '${args[2]}'; only 'rfc2253' is known`);
  return args;
};

/** OpenSSL's ASN1 time as HAProxy gives it: YYMMDDhhmmssZ. */
function asn1Time(text: string): string {
  const d = new Date(text);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

registerFetch('ssl_c_used', { defaultMatch: 'bool', type: 'bool', layer: 'l5', args: [0, 0] }, (_a, s) => !!clientCert(s)?.cert);
registerFetch('ssl_c_verify', { defaultMatch: 'int', type: 'int', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const info = clientCert(s);
  return info ? info.verify : [];
});
registerFetch('ssl_c_err', { defaultMatch: 'int', type: 'int', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const info = clientCert(s);
  return info ? info.verify : [];
});
registerFetch('ssl_c_s_dn', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 3], suffixes: true, checkArgs: checkDnArgs }, dnFetch('subject'));
registerFetch('ssl_c_i_dn', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 3], suffixes: true, checkArgs: checkDnArgs }, dnFetch('issuer'));
registerFetch('ssl_c_serial', { defaultMatch: 'str', type: 'bin', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const cert = clientCert(s)?.cert;
  return cert ? [Buffer.from(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber, 'hex').toString('latin1')] : [];
});
registerFetch('ssl_c_notbefore', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const cert = clientCert(s)?.cert;
  return cert ? [asn1Time(cert.validFrom)] : [];
});
registerFetch('ssl_c_notafter', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const cert = clientCert(s)?.cert;
  return cert ? [asn1Time(cert.validTo)] : [];
});
registerFetch('ssl_c_sha1', { defaultMatch: 'str', type: 'bin', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const cert = clientCert(s)?.cert;
  return cert ? [Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('latin1')] : [];
});
registerFetch('ssl_fc_protocol', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 0] }, (_a, s) => {
  const p = s.tlsSocket?.getProtocol();
  return p ? [p] : [];
});
