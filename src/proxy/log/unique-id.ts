import type { ProxySection } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { txnOf } from '../acl/sample-source.js';
import type { Txn } from '../sample/txn.js';

const ids = new WeakMap<Txn, string>();
let counter = 0;

/**
 * The request's unique ID from the frontend's `unique-id-format`, made on
 * first use and then fixed for the whole transaction (log line, header,
 * `unique-id` fetch all see the same one).
 */
export function uniqueIdOf(fe: ProxySection | undefined, src: SampleSource): string | undefined {
  const txn = txnOf(src);
  const known = ids.get(txn);
  if (known !== undefined) return known;
  const fmt = fe?.settings.uniqueIdFormat;
  if (!fmt) return undefined;
  const id = fmt.render({ src, requestCounter: counter++, acceptedAt: Date.now() });
  ids.set(txn, id);
  return id;
}

/** `unique-id-header NAME`: the ID is sent to the server in that header. */
export function addUniqueIdHeader(fe: ProxySection, req: SampleSource & { modified?: boolean }): void {
  const name = fe.settings.uniqueIdHeader;
  if (!name) return;
  const id = uniqueIdOf(fe, req);
  if (id === undefined) return;
  req.headers.push([name, id]);
  req.modified = true;
}

/** The frontend model of the request being handled (set by the router). */
export function frontendModelOf(src: SampleSource): ProxySection | undefined {
  const fe = txnOf(src).frontend as { model?: ProxySection } | undefined;
  return fe?.model;
}
