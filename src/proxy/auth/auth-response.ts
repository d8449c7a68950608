import type { LocalResponse } from '../http/local-response.js';

/** The 401 challenge HAProxy sends for `http-request auth` and for `stats auth`. */
export function unauthorizedResponse(realm: string): LocalResponse {
  return {
    status: 401,
    headers: [
      ['cache-control', 'no-cache'],
      ['content-type', 'text/html'],
      ['www-authenticate', `Basic realm="${realm}"`],
    ],
    body: '<html><body><h1>401 Unauthorized</h1>\nThis resource needs a valid user name and password.\n</body></html>\n',
  };
}
