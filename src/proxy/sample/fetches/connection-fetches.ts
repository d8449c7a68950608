import { registerFetch } from '../sample-registry.js';

/** Layer 4 and TLS-layer fetches: they read the connection, not HTTP. */

/** Normalises IPv4-mapped IPv6 addresses so that 127.0.0.1 rules match them. */
export function plainAddress(addr: string): string {
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

registerFetch('src', { defaultMatch: 'ip', type: 'ip', layer: 'l4', args: [0, 0] }, (_a, s) => [plainAddress(s.srcAddr)]);
registerFetch('src_port', { defaultMatch: 'int', type: 'int', layer: 'l4', args: [0, 0] }, (_a, s) => (s.srcPort === undefined ? [] : s.srcPort));
registerFetch('dst', { defaultMatch: 'ip', type: 'ip', layer: 'l4', args: [0, 0] }, (_a, s) => (s.dstAddr === undefined ? [] : [plainAddress(s.dstAddr)]));
registerFetch('dst_port', { defaultMatch: 'int', type: 'int', layer: 'l4', args: [0, 0] }, (_a, s) => s.dstPort);
registerFetch('ssl_fc', { defaultMatch: 'bool', type: 'bool', layer: 'l5', args: [0, 0] }, (_a, s) => s.ssl);
registerFetch('ssl_fc_sni', { defaultMatch: 'str', type: 'str', layer: 'l5', args: [0, 0], suffixes: true }, (_a, s) => (s.sni === undefined ? [] : [s.sni]));
registerFetch('ssl_fc_has_sni', { defaultMatch: 'bool', type: 'bool', layer: 'l5', args: [0, 0] }, (_a, s) => s.ssl && s.sni !== undefined && s.sni !== '');
