import type { AclDefinition, MatchMethod } from '../config/model.js';

const loc = { file: '<predefined>', line: 0 };
const def = (name: string, fetch: string, match: MatchMethod, patterns: string[], fetchArgs: string[] = []): AclDefinition => ({
  name,
  fetch,
  fetchArgs,
  match,
  ignoreCase: false,
  patterns,
  loc,
});

/** The ACLs HAProxy declares by itself, usable in any condition. */
export const PREDEFINED_ACLS: ReadonlyMap<string, AclDefinition> = new Map(
  [
    def('TRUE', 'always_true', 'bool', []),
    def('FALSE', 'always_false', 'bool', []),
    def('HTTP', 'req.proto_http', 'bool', []),
    def('HTTP_1.0', 'req.ver', 'str', ['1.0']),
    def('HTTP_1.1', 'req.ver', 'str', ['1.1']),
    def('HTTP_2.0', 'req.ver', 'str', ['2.0']),
    def('HTTP_CONTENT', 'hdr', 'int', ['gt', '0'], ['content-length']),
    def('REQ_CONTENT', 'hdr', 'int', ['gt', '0'], ['content-length']),
    def('HTTP_URL_ABS', 'url', 'reg', ['^[^/:]*://']),
    def('HTTP_URL_SLASH', 'url', 'beg', ['/']),
    def('HTTP_URL_STAR', 'url', 'str', ['*']),
    def('LOCALHOST', 'src', 'ip', ['127.0.0.1/8', '::1']),
    def('METH_CONNECT', 'method', 'str', ['CONNECT']),
    def('METH_DELETE', 'method', 'str', ['DELETE']),
    def('METH_GET', 'method', 'str', ['GET', 'HEAD']),
    def('METH_HEAD', 'method', 'str', ['HEAD']),
    def('METH_OPTIONS', 'method', 'str', ['OPTIONS']),
    def('METH_POST', 'method', 'str', ['POST']),
    def('METH_PUT', 'method', 'str', ['PUT']),
    def('METH_TRACE', 'method', 'str', ['TRACE']),
    def('WAIT_END', 'always_true', 'bool', []),
  ].map((d) => [d.name, d]),
);
