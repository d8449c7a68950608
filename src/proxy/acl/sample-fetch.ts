import { headerValues, pathOf, queryOf, type SampleSource } from './sample-source.js';

/** A fetched sample: strings (possibly several occurrences), a number or a boolean. */
export type Sample = string[] | number | boolean;

/** Splits header values on commas the way HAProxy's hdr() does for ACLs. */
function splitCommas(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const part of v.split(',')) out.push(part.trim());
  return out;
}

function pickOccurrence(values: string[], occ: string | undefined): string[] {
  if (occ === undefined || values.length === 0) return values;
  const n = Number(occ);
  if (n === 0) return values;
  const v = n < 0 ? values[values.length + n] : values[n - 1];
  return v === undefined ? [] : [v];
}

function cookies(src: SampleSource, name: string | undefined): string[] {
  const out: string[] = [];
  for (const line of headerValues(src.headers, 'cookie')) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      const k = (eq < 0 ? part : part.slice(0, eq)).trim();
      if (name === undefined || name === '' || k === name) out.push(eq < 0 ? '' : part.slice(eq + 1).trim());
    }
  }
  return out;
}

function urlParams(uri: string, name: string, delim = '&'): string[] {
  const q = queryOf(uri);
  if (q === null) return [];
  const out: string[] = [];
  for (const part of q.split(delim)) {
    const eq = part.indexOf('=');
    if ((eq < 0 ? part : part.slice(0, eq)) === name) out.push(eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

/** Normalises IPv4-mapped IPv6 addresses so that 127.0.0.1 rules match them. */
export function plainAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Runs one sample fetch. `forAcl` keeps HAProxy's ACL-time comma splitting of hdr(). */
export function fetchSample(fetch: string, args: readonly string[], src: SampleSource, forAcl: boolean): Sample {
  switch (fetch) {
    case 'path': return [pathOf(src.uri)];
    case 'url': return [src.uri];
    case 'query': { const q = queryOf(src.uri); return q === null ? [] : [q]; }
    case 'method': return [src.method];
    case 'src': return [plainAddress(src.srcAddr)];
    case 'ssl_fc': return src.ssl;
    case 'ssl_fc_sni': return src.sni === undefined ? [] : [src.sni];
    case 'req.ver': return [src.version];
    case 'dst_port': return src.dstPort;
    case 'always_true': return true;
    case 'always_false': return false;
    case 'hdr': case 'fhdr': {
      if (args.length === 0 || args[0] === '') return src.headers.map(([, v]) => v);
      const raw = headerValues(src.headers, args[0]!.toLowerCase());
      const all = fetch === 'hdr' && forAcl ? splitCommas(raw) : raw;
      if (!forAcl && args[1] === undefined && all.length > 0) return [all[all.length - 1]!];
      return pickOccurrence(all, args[1]);
    }
    case 'hdr_cnt': return args[0] ? splitCommas(headerValues(src.headers, args[0].toLowerCase())).length : src.headers.length;
    case 'url_param': return urlParams(src.uri, args[0]!, args[1]);
    case 'cook': return cookies(src, args[0]);
  }
  throw new Error(`sample fetch '${fetch}' has no implementation`);
}
