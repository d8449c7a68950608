import type { MatchMethod } from '../config/model.js';

/**
 * The sample fetches docklab knows, with the match method HAProxy uses when an
 * ACL does not say `-m`. Names are canonical (aliases map onto them).
 */
export interface FetchSpec {
  readonly canonical: string;
  readonly defaultMatch: MatchMethod;
  /** Minimum and maximum number of arguments inside the parentheses. */
  readonly args: [number, number];
}

const SPECS: Record<string, FetchSpec> = {
  path: { canonical: 'path', defaultMatch: 'str', args: [0, 0] },
  url: { canonical: 'url', defaultMatch: 'str', args: [0, 0] },
  query: { canonical: 'query', defaultMatch: 'str', args: [0, 0] },
  method: { canonical: 'method', defaultMatch: 'str', args: [0, 0] },
  src: { canonical: 'src', defaultMatch: 'ip', args: [0, 0] },
  ssl_fc: { canonical: 'ssl_fc', defaultMatch: 'bool', args: [0, 0] },
  ssl_fc_sni: { canonical: 'ssl_fc_sni', defaultMatch: 'str', args: [0, 0] },
  hdr: { canonical: 'hdr', defaultMatch: 'str', args: [0, 2] },
  'req.hdr': { canonical: 'hdr', defaultMatch: 'str', args: [0, 2] },
  'req.fhdr': { canonical: 'fhdr', defaultMatch: 'str', args: [1, 2] },
  hdr_cnt: { canonical: 'hdr_cnt', defaultMatch: 'int', args: [0, 1] },
  'req.hdr_cnt': { canonical: 'hdr_cnt', defaultMatch: 'int', args: [0, 1] },
  url_param: { canonical: 'url_param', defaultMatch: 'str', args: [1, 2] },
  urlp: { canonical: 'url_param', defaultMatch: 'str', args: [1, 2] },
  'req.cook': { canonical: 'cook', defaultMatch: 'str', args: [0, 1] },
  cook: { canonical: 'cook', defaultMatch: 'str', args: [0, 1] },
  'req.ver': { canonical: 'req.ver', defaultMatch: 'str', args: [0, 0] },
  dst_port: { canonical: 'dst_port', defaultMatch: 'int', args: [0, 0] },
  always_true: { canonical: 'always_true', defaultMatch: 'bool', args: [0, 0] },
  always_false: { canonical: 'always_false', defaultMatch: 'bool', args: [0, 0] },
};

/** Suffixes such as `path_beg` or `hdr_dom(host)` fix the match method. */
const SUFFIXES: Record<string, MatchMethod> = {
  beg: 'beg', end: 'end', sub: 'sub', dir: 'dir', dom: 'dom', reg: 'reg', len: 'len', val: 'int', ip: 'ip',
};

export interface ParsedFetch { spec: FetchSpec; args: string[]; suffixMatch?: MatchMethod }

/** Parses `name`, `name(arg,arg)` and suffixed forms; null when unknown. */
export function parseFetch(text: string): ParsedFetch | null | 'converter' {
  const m = /^([a-z0-9_.]+)(?:\(([^)]*)\))?(,.*)?$/.exec(text);
  if (!m) return null;
  if (m[3]) return 'converter';
  const name = m[1]!;
  const args = m[2] === undefined || m[2] === '' ? [] : m[2].split(',');
  let spec = SPECS[name];
  let suffixMatch: MatchMethod | undefined;
  if (!spec) {
    const cut = name.lastIndexOf('_');
    if (cut > 0) {
      const base = name.slice(0, cut);
      const suffix = name.slice(cut + 1);
      const baseSpec = SPECS[base];
      if (baseSpec && SUFFIXES[suffix] && baseSpec.defaultMatch !== 'bool') {
        spec = baseSpec;
        suffixMatch = SUFFIXES[suffix];
      }
    }
  }
  if (!spec) return null;
  if (args.length < spec.args[0] || args.length > spec.args[1]) return null;
  return suffixMatch ? { spec, args, suffixMatch } : { spec, args };
}
