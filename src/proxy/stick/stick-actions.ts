import { registerAction, type ActionParseContext, type ActionRunner, type RuleSide } from '../rules/action-registry.js';
import { evalSampleOne } from '../sample/sample-expr.js';
import { valueToInt } from '../sample/sample-types.js';
import type { SampleSource } from '../acl/sample-source.js';
import { toStickKey } from './stick-key.js';
import { parseStickAction, noteTableRef, STICK_COUNTERS, type TrackAction } from './stick-parser.js';
import { stickTxnOf, trackKey } from './stick-txn.js';

/**
 * Stick-counter actions: `track-scN KEY [table T]`, `sc-inc-gpc0(N)`,
 * `sc-inc-gpc1(N)`, `sc-set-gpt0(N) VALUE`. The tcp-request rule lists
 * will add their sides here and call trackKey with level 'session' for
 * connection/session rules.
 */

const TCP_SIDES: RuleSide[] = ['tcp-request connection', 'tcp-request session', 'tcp-request content'];
const TRACK_SIDES: RuleSide[] = ['http-request', ...TCP_SIDES];
const UPDATE_SIDES: RuleSide[] = ['http-request', 'http-response', ...TCP_SIDES];

/** Runs a track action: the key is fetched now, converted to the table's type and tracked (once per counter). */
export function runTrack(a: TrackAction, tableName: string, src: SampleSource, level: 'session' | 'stream', connectionOnly = false): void {
  const s = stickTxnOf(src);
  if (s.trackers[a.slot]) return;
  const table = s.tables?.get(tableName);
  if (!table) return;
  const v = evalSampleOne(a.key, src);
  const key = toStickKey(table.model.type, table.model.keyLen, v);
  if (key === undefined) return;
  trackKey(s, a.slot, table, key, level, connectionOnly);
}

function fullName(name: string, ctx: ActionParseContext): string {
  return ctx.paren === undefined ? name : `${name}(${ctx.paren})`;
}

for (let n = 0; n < STICK_COUNTERS; n++) {
  registerAction({
    name: `track-sc${n}`,
    sides: TRACK_SIDES,
    parse: (args, ctx): ActionRunner => {
      const a = parseStickAction(`track-sc${n}`, args, ctx.at) as TrackAction;
      const tableName = noteTableRef(a.table ?? ctx.section.name, ctx.at, `track-sc${n}`)!;
      return (rc) => {
        // Connection and session rules track for the whole connection; a TCP connection is never an HTTP request.
        const tcp = rc.side.startsWith('tcp-');
        runTrack(a, tableName, rc.src, tcp && rc.side !== 'tcp-request content' ? 'session' : 'stream', tcp);
        return undefined;
      };
    },
  });
}

// HAProxy names the limit when a rule asks for a counter past it.
for (let n = STICK_COUNTERS; n < 10; n++) {
  registerAction({
    name: `track-sc${n}`,
    sides: TRACK_SIDES,
    parse: (args, ctx) => {
      parseStickAction(`track-sc${n}`, args, ctx.at);
      return () => undefined;
    },
  });
}

for (const which of [0, 1] as const) {
  registerAction({
    name: `sc-inc-gpc${which}`,
    sides: UPDATE_SIDES,
    paren: true,
    parse: (args, ctx): ActionRunner => {
      const a = parseStickAction(fullName(`sc-inc-gpc${which}`, ctx), args, ctx.at);
      if (!a || a.kind !== 'sc-inc-gpc') throw new Error('unreachable');
      return (rc) => {
        const tr = stickTxnOf(rc.src).trackers[a.slot];
        if (tr && tr.table.incGpc(tr.entry, which) !== undefined) tr.table.touch(tr.entry);
        return undefined;
      };
    },
  });
}

registerAction({
  name: 'sc-set-gpt0',
  sides: UPDATE_SIDES,
  paren: true,
  parse: (args, ctx): ActionRunner => {
    const a = parseStickAction(fullName('sc-set-gpt0', ctx), args, ctx.at);
    if (!a || a.kind !== 'sc-set-gpt0') throw new Error('unreachable');
    return (rc) => {
      const tr = stickTxnOf(rc.src).trackers[a.slot];
      if (!tr) return undefined;
      let v: number | undefined;
      if (typeof a.value === 'number') v = a.value;
      else {
        const s = evalSampleOne(a.value, rc.src);
        const n = s === undefined ? undefined : valueToInt(s);
        v = n === undefined ? undefined : Number(n);
      }
      if (v !== undefined && tr.table.setGpt0(tr.entry, v)) tr.table.touch(tr.entry);
      return undefined;
    };
  },
});
