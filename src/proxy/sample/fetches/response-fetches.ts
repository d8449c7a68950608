import { registerFetch } from '../sample-registry.js';
import type { SampleSource } from '../../acl/sample-source.js';
import { cookieValues, headerCount, headerSample } from './header-values.js';

/** HTTP response fetches: they need the response head, so only http-response rules may use them. */

const noHeaders: [string, string][] = [];
const resHeaders = (s: SampleSource) => s.response?.headers ?? noHeaders;
const str = { defaultMatch: 'str', type: 'str', layer: 'l7res' } as const;
const int = { defaultMatch: 'int', type: 'int', layer: 'l7res' } as const;

registerFetch('res.hdr', { ...str, args: [0, 2], suffixes: true }, (a, s, acl) => headerSample(resHeaders(s), a, true, acl));
registerFetch('shdr', { ...str, args: [0, 2], suffixes: true, canonical: 'res.hdr' }, (a, s, acl) => headerSample(resHeaders(s), a, true, acl));
registerFetch('res.fhdr', { ...str, args: [0, 2] }, (a, s, acl) => headerSample(resHeaders(s), a, false, acl));
registerFetch('res.hdr_cnt', { ...int, args: [0, 1] }, (a, s) => headerCount(resHeaders(s), a[0], true));
registerFetch('shdr_cnt', { ...int, args: [0, 1], canonical: 'res.hdr_cnt' }, (a, s) => headerCount(resHeaders(s), a[0], true));
registerFetch('res.fhdr_cnt', { ...int, args: [0, 1] }, (a, s) => headerCount(resHeaders(s), a[0], false));
registerFetch('res.hdr_names', { ...str, args: [0, 1] }, (a, s) => [
  resHeaders(s)
    .map(([n]) => n.toLowerCase())
    .join(a[0] ?? ','),
]);
registerFetch('res.ver', { ...str, args: [0, 0] }, (_a, s) => (s.response ? [s.response.version] : []));
registerFetch('resp_ver', { ...str, args: [0, 0], canonical: 'res.ver' }, (_a, s) => (s.response ? [s.response.version] : []));
registerFetch('status', { ...int, args: [0, 0] }, (_a, s) => (s.response ? s.response.status : []));
registerFetch('res.cook', { ...str, args: [0, 1], suffixes: true }, (a, s, acl) => {
  const v = cookieValues(resHeaders(s), 'set-cookie', a[0]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('scook', { ...str, args: [0, 1], suffixes: true, canonical: 'res.cook' }, (a, s, acl) => {
  const v = cookieValues(resHeaders(s), 'set-cookie', a[0]);
  return acl || v.length === 0 ? v : [v[0]!];
});
registerFetch('res.cook_cnt', { ...int, args: [0, 1] }, (a, s) => cookieValues(resHeaders(s), 'set-cookie', a[0]).length);
