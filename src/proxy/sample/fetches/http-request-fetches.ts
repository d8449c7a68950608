import { headerValues, pathOf, queryOf, type SampleSource } from '../../acl/sample-source.js';
import { isIP } from 'node:net';
import { registerFetch } from '../sample-registry.js';
import { valueToNumber, type Sample } from '../sample-types.js';
import { fullHash, sdbm } from '../../balance/hash-functions.js';
import { cookieValues, headerCount, headerSample } from './header-values.js';

/** Request-line, header, cookie and query fetches (HTTP request side). */

function urlParams(uri: string, name: string | undefined, delim = '&'): string[] {
  const q = queryOf(uri);
  if (q === null) return [];
  const out: string[] = [];
  for (const part of q.split(delim)) {
    const eq = part.indexOf('=');
    if (!name || (eq < 0 ? part : part.slice(0, eq)) === name) out.push(eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

/** Host and port of an absolute-form URI, or null for origin-form. */
function uriAuthority(uri: string): { host: string; port: number } | null {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return null;
  const auth = m[1]!.replace(/^.*@/, '');
  const bracket = /^\[([^\]]*)\](?::(\d+))?$/.exec(auth);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : 80 };
  const colon = auth.lastIndexOf(':');
  if (colon < 0) return { host: auth, port: 80 };
  return { host: auth.slice(0, colon), port: Number(auth.slice(colon + 1)) || 0 };
}

/** `base`: Host header value followed by the path (no query). */
function base(headers: [string, string][], uri: string): string[] {
  const host = headerValues(headers, 'host');
  const h = host.length > 0 ? host[host.length - 1]! : '';
  return host.length === 0 ? [pathOf(uri)] : [h + pathOf(uri)];
}

/** base32/url32: HAProxy's sdbm over the text, then its avalanche mix. */
export function hash32(text: string): number {
  return fullHash(sdbm(Buffer.from(text, 'latin1')));
}

const str = { defaultMatch: 'str', type: 'str', layer: 'l7req' } as const;
const hdrArgs = { ...str, args: [0, 2], suffixes: true, responseUse: 'sample' } as const;

registerFetch('path', { ...str, args: [0, 0], suffixes: true }, (_a, s) => [pathOf(s.uri)]);
registerFetch('url', { ...str, args: [0, 0], suffixes: true }, (_a, s) => [s.uri]);
registerFetch('query', { ...str, args: [0, 0], suffixes: true }, (_a, s) => {
  const q = queryOf(s.uri);
  return q === null ? [] : [q];
});
registerFetch('method', { defaultMatch: 'str', type: 'meth', layer: 'l7req', args: [0, 0], responseUse: 'always' }, (_a, s) => [s.method]);
registerFetch('req.ver', { ...str, args: [0, 0] }, (_a, s) => [s.version]);
registerFetch('req_ver', { ...str, args: [0, 0], canonical: 'req.ver' }, (_a, s) => [s.version]);
registerFetch('hdr', hdrArgs, (a, s, acl) => headerSample(s.headers, a, true, acl));
registerFetch('req.hdr', { ...hdrArgs, canonical: 'hdr' }, (a, s, acl) => headerSample(s.headers, a, true, acl));
registerFetch('fhdr', { ...str, args: [0, 2], responseUse: 'sample' }, (a, s, acl) => headerSample(s.headers, a, false, acl));
registerFetch('req.fhdr', { ...str, args: [1, 2], canonical: 'fhdr' }, (a, s, acl) => headerSample(s.headers, a, false, acl));
registerFetch('hdr_cnt', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 1], responseUse: 'sample' }, (a, s) =>
  headerCount(s.headers, a[0], true),
);
registerFetch('req.hdr_cnt', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 1], canonical: 'hdr_cnt' }, (a, s) =>
  headerCount(s.headers, a[0], true),
);
registerFetch('req.fhdr_cnt', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 1] }, (a, s) => headerCount(s.headers, a[0], false));
// Connection is a per-hop header HAProxy consumes while parsing: it is not listed.
registerFetch('req.hdr_names', { ...str, args: [0, 1] }, (a, s) => [
  s.headers
    .map(([n]) => n.toLowerCase())
    .filter((n) => n !== 'connection')
    .join(a[0] ?? ','),
]);
registerFetch('url_param', { ...str, args: [0, 2], suffixes: true }, (a, s, acl) => {
  const v = urlParams(s.uri, a[0], a[1]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('urlp', { ...str, args: [0, 2], canonical: 'url_param', suffixes: true }, (a, s, acl) => {
  const v = urlParams(s.uri, a[0], a[1]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('req.cook', { ...str, args: [0, 1], canonical: 'cook' }, (a, s, acl) => {
  const v = cookieValues(s.headers, 'cookie', a[0]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('cook', { ...str, args: [0, 1], suffixes: true }, (a, s, acl) => {
  const v = cookieValues(s.headers, 'cookie', a[0]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('req.cook_cnt', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 1] }, (a, s) => cookieValues(s.headers, 'cookie', a[0]).length);
registerFetch(
  'cook_cnt',
  { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 1], canonical: 'req.cook_cnt' },
  (a, s) => cookieValues(s.headers, 'cookie', a[0]).length,
);
registerFetch('base', { ...str, args: [0, 0], suffixes: true }, (_a, s) => base(s.headers, s.uri));
registerFetch('base32', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 0] }, (_a, s) => hash32(base(s.headers, s.uri)[0]!));
registerFetch('url32', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 0] }, (_a, s) =>
  hash32((headerValues(s.headers, 'host').at(-1) ?? '') + s.uri),
);
registerFetch('url_ip', { defaultMatch: 'ip', type: 'ip', layer: 'l7req', args: [0, 0] }, (_a, s) => {
  const a = uriAuthority(s.uri);
  return a && /^[\d.]+$|:/.test(a.host) ? [a.host] : [];
});
registerFetch('url_port', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 0] }, (_a, s) => {
  const a = uriAuthority(s.uri);
  return a ? a.port : [];
});
/** The address forms of header fetches (`hdr_ip(x-forwarded-for,-1)`), usable outside ACLs too. */
const asIp = (v: Sample): Sample => (Array.isArray(v) ? v.filter((x) => isIP(x.trim()) !== 0).map((x) => x.trim()) : v);
const asInt = (v: Sample): Sample => {
  if (!Array.isArray(v)) return v;
  const n = v[0] === undefined ? undefined : valueToNumber(v[0].trim());
  return n === undefined ? [] : n;
};
registerFetch('hdr_ip', { defaultMatch: 'ip', type: 'ip', layer: 'l7req', args: [0, 2] }, (a, s, acl) => asIp(headerSample(s.headers, a, true, acl)));
registerFetch('req.hdr_ip', { defaultMatch: 'ip', type: 'ip', layer: 'l7req', args: [0, 2], canonical: 'hdr_ip' }, (a, s, acl) =>
  asIp(headerSample(s.headers, a, true, acl)),
);
// ACLs test every occurrence (the int match parses them); elsewhere the last one as a number.
const hdrVal = (a: readonly string[], s: SampleSource, acl: boolean) =>
  acl ? headerSample(s.headers, a, true, true) : asInt(headerSample(s.headers, a, true, false));
registerFetch('hdr_val', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 2] }, hdrVal);
registerFetch('req.hdr_val', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 2], canonical: 'hdr_val' }, hdrVal);
registerFetch('urlp_val', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 2] }, (a, s) => asInt(urlParams(s.uri, a[0], a[1]).slice(0, 1)));
registerFetch('url_param_val', { defaultMatch: 'int', type: 'int', layer: 'l7req', args: [0, 2], canonical: 'urlp_val' }, (a, s) =>
  asInt(urlParams(s.uri, a[0], a[1]).slice(0, 1)),
);
registerFetch('http_first_req', { defaultMatch: 'bool', type: 'bool', layer: 'l7req', args: [0, 0] }, (_a, s) => s.firstRequest ?? true);
