import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { configError } from '../config/config-errors.js';
import type { BindModel } from '../config/model.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  names: string[];
}

/** Reads one HAProxy-style PEM (certificate chain and private key in one file) and checks it. */
export function loadPem(file: string, bind: BindModel): TlsMaterial {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw configError('DOCKLAB_CERT_INVALID', bind.loc, `certificate file '${file}' cannot be read; check the path after 'crt'`);
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  const key = text.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/);
  if (!certs || !key) {
    throw configError('DOCKLAB_CERT_INVALID', bind.loc, `'${file}' must hold a certificate and its private key (concatenate cert.pem and key.pem)`);
  }
  let names: string[] = [];
  try {
    const x = new X509Certificate(certs[0]);
    createPrivateKey(key[0]);
    if (!x.checkPrivateKey(createPrivateKey(key[0]))) throw new Error('mismatch');
    names = (x.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4).toLowerCase());
    const cn = /CN=([^\n,]+)/.exec(x.subject);
    if (cn) names.push(cn[1]!.toLowerCase());
  } catch {
    throw configError('DOCKLAB_CERT_INVALID', bind.loc, `'${file}' holds a certificate and key that are invalid or do not belong together`);
  }
  return { cert: certs.join('\n'), key: key[0], names };
}

/** Picks the certificate for an SNI name (exact, then wildcard), else the first one. */
export function sniSelector(materials: TlsMaterial[]): (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void {
  const contexts = materials.map((m) => ({ m, ctx: createSecureContext({ cert: m.cert, key: m.key }) }));
  return (servername, cb) => {
    const name = servername.toLowerCase();
    const wildcard = `*.${name.split('.').slice(1).join('.')}`;
    const hit = contexts.find((c) => c.m.names.includes(name)) ?? contexts.find((c) => c.m.names.includes(wildcard)) ?? contexts[0]!;
    cb(null, hit.ctx);
  };
}
