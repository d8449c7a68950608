/**
 * Reads what a TLS ClientHello tells before any decryption: the record's
 * handshake type and version, the server name (SNI) and the ALPN list. TCP
 * frontends route on these without terminating TLS.
 */
export interface ClientHelloInfo {
  /** The handshake message type of the first record (1 = ClientHello). */
  readonly helloType: number;
  /** Record-layer version as HAProxy reports it: major << 16 | minor. */
  readonly recordVersion: number;
  readonly sni?: string;
  readonly alpn?: readonly string[];
}

/** 'partial': the bytes so far could still become a ClientHello; 'none': they cannot. */
export type HelloResult = ClientHelloInfo | 'partial' | 'none';

const HANDSHAKE = 0x16;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;

/** Record header and handshake type only: enough for req.ssl_hello_type and req.ssl_ver. */
export function readRecordHead(data: Buffer): { helloType: number; recordVersion: number } | 'partial' | 'none' {
  if (data.length < 1) return 'partial';
  if (data[0] !== HANDSHAKE) return 'none';
  if (data.length < 6) return 'partial';
  const major = data[1]!;
  if (major !== 3) return 'none';
  return { helloType: data[5]!, recordVersion: (major << 16) | data[2]! };
}

export function readClientHello(data: Buffer): HelloResult {
  const head = readRecordHead(data);
  if (typeof head === 'string') return head;
  const recordLength = data.readUInt16BE(3);
  if (head.helloType !== 1) return { ...head };
  const end = 5 + recordLength;
  if (data.length < end) return 'partial';
  const body = data.subarray(5, end);
  // Handshake header (4) + client_version (2) + random (32).
  let at = 4 + 2 + 32;
  if (body.length < at + 1) return 'none';
  at += 1 + body[at]!; // session id
  if (body.length < at + 2) return 'none';
  at += 2 + body.readUInt16BE(at); // cipher suites
  if (body.length < at + 1) return 'none';
  at += 1 + body[at]!; // compression methods
  if (body.length < at + 2) return { ...head };
  const extEnd = Math.min(body.length, at + 2 + body.readUInt16BE(at));
  at += 2;
  let sni: string | undefined;
  let alpn: string[] | undefined;
  while (at + 4 <= extEnd) {
    const type = body.readUInt16BE(at);
    const len = body.readUInt16BE(at + 2);
    const ext = body.subarray(at + 4, Math.min(extEnd, at + 4 + len));
    at += 4 + len;
    if (type === EXT_SERVER_NAME) sni = serverName(ext);
    else if (type === EXT_ALPN) alpn = protocols(ext);
  }
  return { ...head, ...(sni !== undefined ? { sni } : {}), ...(alpn ? { alpn } : {}) };
}

function serverName(ext: Buffer): string | undefined {
  if (ext.length < 2) return undefined;
  const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
  let at = 2;
  while (at + 3 <= listEnd) {
    const kind = ext[at]!;
    const len = ext.readUInt16BE(at + 1);
    if (kind === 0) return ext.subarray(at + 3, at + 3 + len).toString('latin1');
    at += 3 + len;
  }
  return undefined;
}

function protocols(ext: Buffer): string[] {
  const out: string[] = [];
  if (ext.length < 2) return out;
  const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
  let at = 2;
  while (at < listEnd) {
    const len = ext[at]!;
    out.push(ext.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += 1 + len;
  }
  return out;
}
