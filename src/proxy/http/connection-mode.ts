import type { Frontend } from '../runtime/frontend.js';
import type { Backend } from '../runtime/backend.js';

/**
 * Whether the server connection ends with the exchange: `option httpclose`
 * or `option http-server-close` on the frontend or on the backend (the
 * client side looks at the frontend only).
 */
export function closesServerSide(fe: Frontend, be: Backend): boolean {
  const f = fe.model.settings.httpConnMode;
  const b = be.model.settings.httpConnMode;
  return f === 'close' || f === 'server-close' || b === 'close' || b === 'server-close';
}

/** A server connection that must not go back to the pool after the exchange. */
export function noServerReuse(fe: Frontend, be: Backend): boolean {
  return closesServerSide(fe, be) || be.model.settings.httpReuse === 'never';
}
