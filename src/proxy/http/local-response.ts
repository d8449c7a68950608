import type { ErrorFileMessage } from '../config/model.js';
import { errorFileResponse, serializeErrorFile } from './error-reply.js';
import { builtinErrorPage } from './builtin-errors.js';

/** A response the proxy writes itself (errors, deny, return, redirect, stats). */
export interface LocalResponse {
  status: number;
  headers: [string, string][];
  body: string;
  /** Bytes to send instead of `body` (a cached object's body, kept exact). */
  bodyBytes?: Buffer;
  /** Hold the answer back this long first (tarpit). */
  delayMs?: number;
  /** A built-in error page: the proxy's `errorfile` for this status replaces it (withProxyErrorFile). */
  isError?: boolean;
  /** Sent byte for byte as HAProxy sends an error file (serializeErrorFile). */
  errorFile?: ErrorFileMessage;
}

export const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  425: 'Too Early',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

const EXPLANATIONS: Record<number, string> = {
  400: 'The request could not be understood.',
  403: 'Access to this resource is denied by the proxy rules.',
  408: 'The request took too long to arrive.',
  414: 'The request URI is longer than the proxy accepts.',
  431: 'The request headers are larger than the proxy accepts.',
  500: 'The proxy hit an internal error.',
  501: 'The proxy does not implement what the request asks for.',
  502: 'The server sent an invalid or incomplete response.',
  503: 'No server is available to handle this request.',
  504: 'The server did not answer in time.',
};

/** HAProxy's built-in error page for the status (byte for byte), else one in the same style. */
export function errorResponse(status: number): LocalResponse {
  const page = builtinErrorPage(status);
  if (page) return { ...errorFileResponse(page), isError: true };
  const reason = REASONS[status] ?? 'Error';
  const body = `<html><body><h1>${status} ${reason}</h1>\n${EXPLANATIONS[status] ?? reason}\n</body></html>\n`;
  return {
    status,
    headers: [
      ['cache-control', 'no-cache'],
      ['content-type', 'text/html'],
    ],
    body,
    isError: true,
  };
}

/** Serialises a local response as one buffer. */
export function serializeLocalResponse(r: LocalResponse, close: boolean, headRequest = false): Buffer {
  if (r.errorFile) return serializeErrorFile(r.errorFile, close, headRequest);
  const body = r.bodyBytes ?? Buffer.from(r.body, 'utf8');
  let head = `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Unknown'}\r\ncontent-length: ${body.length}\r\n`;
  for (const [n, v] of r.headers) head += `${n}: ${v}\r\n`;
  if (close) head += 'connection: close\r\n';
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  return headRequest || body.length === 0 ? h : Buffer.concat([h, body]);
}
