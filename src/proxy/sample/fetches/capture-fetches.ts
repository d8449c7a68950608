import { registerFetch } from '../sample-registry.js';
import { txnOf } from '../../acl/sample-source.js';
import { syntaxError } from '../../config/config-errors.js';

/** capture.req.* / capture.res.*: what capture slots hold and the request line as first received. */

const slotArg = (a: string[], at: { file: string; line: number }) => {
  if (!/^\d+$/.test(a[0]!)) throw syntaxError(at, `capture slot must be a number, got '${a[0]}'`);
  return a;
};
const str = { defaultMatch: 'str', type: 'str', args: [0, 0] } as const;

// Captured slots are the transaction's own data: TCP content rules fill and read them too.
registerFetch('capture.req.hdr', { ...str, layer: 'internal', responseUse: 'always', args: [1, 1], checkArgs: slotArg }, (a, s) => {
  const v = txnOf(s).reqCaptures[Number(a[0])];
  return v === undefined ? [] : [v];
});
registerFetch('capture.res.hdr', { ...str, layer: 'l7res', args: [1, 1], checkArgs: slotArg }, (a, s) => {
  const v = txnOf(s).resCaptures[Number(a[0])];
  return v === undefined ? [] : [v];
});
registerFetch('capture.req.method', { ...str, layer: 'l7req', responseUse: 'always' }, (_a, s) => [txnOf(s).original?.method ?? s.method]);
registerFetch('capture.req.uri', { ...str, layer: 'l7req', responseUse: 'always' }, (_a, s) => [txnOf(s).original?.uri ?? s.uri]);
registerFetch('capture.req.ver', { ...str, layer: 'l7req', responseUse: 'always' }, (_a, s) => [`HTTP/${txnOf(s).original?.version ?? s.version}`]);
registerFetch('capture.res.ver', { ...str, layer: 'l7res' }, (_a, s) => (s.response ? [`HTTP/${s.response.version}`] : []));
