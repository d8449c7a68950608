import type { ErrorFileMessage } from '../config/model.js';

/**
 * HAProxy 2.6's built-in error pages, as they appear on the wire: reason
 * phrase, explanation line, and `connection: close` for the two statuses
 * after which the connection cannot be trusted (400, 408).
 */
const PAGES: Record<number, [reason: string, text: string]> = {
  200: ['OK', 'Service ready.'],
  400: ['Bad request', 'Your browser sent an invalid request.'],
  401: ['Unauthorized', 'You need a valid user and password to access this content.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'],
  407: ['Unauthorized', 'You need a valid user and password to access this content.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  410: ['Gone', 'The resource is no longer available and will not be available again.'],
  413: ['Payload Too Large', 'The request entity exceeds the maximum allowed.'],
  425: ['Too Early', 'Your browser sent early data.'],
  429: ['Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  501: ['Not Implemented', '.The server does not support the functionality required to fulfill the request.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
};

const cache = new Map<number, ErrorFileMessage>();

/** The built-in page for a status, or undefined for statuses HAProxy has none for. */
export function builtinErrorPage(status: number): ErrorFileMessage | undefined {
  const hit = cache.get(status);
  if (hit) return hit;
  const page = PAGES[status];
  if (!page) return undefined;
  const [reason, text] = page;
  const body = Buffer.from(`<html><body><h1>${status} ${reason}</h1>\n${text}\n</body></html>\n`, 'latin1');
  const headers: [string, string][] = [
    ['content-length', String(body.length)],
    ['cache-control', 'no-cache'],
    ['content-type', 'text/html'],
  ];
  if (status === 400 || status === 408) headers.push(['connection', 'close']);
  const msg: ErrorFileMessage = { empty: false, version: '1.1', status, reason, headers, body, hasLength: true, file: '<builtin>' };
  cache.set(status, msg);
  return msg;
}
