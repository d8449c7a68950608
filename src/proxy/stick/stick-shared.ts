import type { SampleSource } from '../acl/sample-source.js';
import type { StickTableModel } from './stick-data.js';
import { StickTable } from './stick-table.js';
import { RemoteStickTable, StickLink } from './remote-stick-table.js';
import { type StickPending, forgetStickAttempt, setStickShared } from './stick-journal.js';
import { peekStickTxn } from './stick-txn.js';

export { StickPending, runStickAttempt, stickIsShared } from './stick-journal.js';

let link: StickLink | undefined;

/**
 * Makes this process a worker whose stick tables live in the primary:
 * `post` sends to the primary; feed the primary's messages to the returned
 * function (it returns false for messages that are not for the tables).
 */
export function installStickWorker(post: (m: unknown) => void): (m: unknown) => boolean {
  link = new StickLink(post);
  const l = link;
  return (m) => l.receive(m);
}

/** How this process builds a configuration's tables: its own, or views of the primary's. */
export function makeStickTable(model: StickTableModel): StickTable {
  if (!link) return new StickTable(model);
  // Only configurations with tables pay for the request replays of shared mode.
  setStickShared(true);
  return new RemoteStickTable(model, link);
}

/**
 * The attempt of `req` waits for the primary: its trackers are not
 * released by it (the attempt that completes will own them).
 */
export function stickSuspended(req: SampleSource): void {
  const s = peekStickTxn(req);
  if (s) {
    s.ended = true;
    s.trackers.fill(undefined);
  }
}

/**
 * The client went away while its request waited: once the primary has
 * answered, the entries the request started to track are let go again.
 */
export function abandonStick(owner: object, pending: StickPending): void {
  const j = forgetStickAttempt(owner) ?? pending.journal;
  void pending.promise.then(() => {
    for (const r of j.records) {
      if (r && r.op === 'track' && r.value) link?.send('release', r.table, r.key, { bytesIn: 0, bytesOut: 0, status: 0 });
    }
  });
}
