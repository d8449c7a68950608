import type { Loc } from '../config/model.js';
import type { SampleSource } from '../acl/sample-source.js';
import { plainAddress } from '../acl/sample-fetch.js';
import { syntaxError } from '../config/config-errors.js';
import { registerFetch } from '../sample/sample-registry.js';
import type { Sample } from '../sample/sample-types.js';
import type { CounterType, RateType } from './stick-data.js';
import type { StickEntry, StickTable } from './stick-table.js';
import { toStickKey } from './stick-key.js';
import { STICK_COUNTERS, noteTableRef } from './stick-parser.js';
import { stickTxnOf, tableNamed } from './stick-txn.js';

/**
 * The stick-counter fetches: `sc_NAME(ctr[,table])`, `scN_NAME([table])`,
 * `src_NAME([table])`, plus `table_cnt` and `table_avl`. An untracked
 * counter gives no sample; a source address missing from the table reads 0;
 * a data type the table does not store gives no sample (HAProxy's rules).
 */

type Op = (t: StickTable, e: StickEntry | undefined) => Sample;

const NONE: Sample = [];

function readOp(type: CounterType | RateType, shift = 0): Op {
  return (t, e) => {
    if (!e) return 0;
    const v = t.read(e, type);
    return v === undefined ? NONE : Math.floor(v / 2 ** shift);
  };
}

/** Which ops create the entry of a missing source address (HAProxy creates for updates, looks up for reads). */
const CREATING = new Set(['inc_gpc0', 'inc_gpc1', 'clr_gpc0', 'clr_gpc1', 'updt_conn_cnt']);

const OPS: Record<string, Op> = {
  conn_cnt: readOp('conn_cnt'),
  conn_cur: readOp('conn_cur'),
  conn_rate: readOp('conn_rate'),
  sess_cnt: readOp('sess_cnt'),
  sess_rate: readOp('sess_rate'),
  http_req_cnt: readOp('http_req_cnt'),
  http_req_rate: readOp('http_req_rate'),
  http_err_cnt: readOp('http_err_cnt'),
  http_err_rate: readOp('http_err_rate'),
  http_fail_cnt: readOp('http_fail_cnt'),
  http_fail_rate: readOp('http_fail_rate'),
  bytes_in_rate: readOp('bytes_in_rate'),
  bytes_out_rate: readOp('bytes_out_rate'),
  kbytes_in: readOp('bytes_in_cnt', 10),
  kbytes_out: readOp('bytes_out_cnt', 10),
  get_gpc0: readOp('gpc0'),
  get_gpc1: readOp('gpc1'),
  get_gpt0: readOp('gpt0'),
  gpc0_rate: readOp('gpc0_rate'),
  gpc1_rate: readOp('gpc1_rate'),
  inc_gpc0: (t, e) => {
    if (!e) return 0;
    const v = t.incGpc(e, 0);
    if (v === undefined) return NONE;
    t.touch(e);
    return v;
  },
  inc_gpc1: (t, e) => {
    if (!e) return 0;
    const v = t.incGpc(e, 1);
    if (v === undefined) return NONE;
    t.touch(e);
    return v;
  },
  clr_gpc0: (t, e) => {
    if (!e) return 0;
    const v = t.clearGpc(e, 0);
    if (v === undefined) return NONE;
    t.touch(e);
    return v;
  },
  clr_gpc1: (t, e) => {
    if (!e) return 0;
    const v = t.clearGpc(e, 1);
    if (v === undefined) return NONE;
    t.touch(e);
    return v;
  },
  trackers: (_t, e) => (e ? e.ref : 0),
};

function tableArg(args: string[], index: number, at: Loc, name: string): string[] {
  const out = args.slice();
  const t = noteTableRef(args[index], at, `arg ${index + 1} of '${name}'`);
  if (t !== undefined) out[index] = t;
  return out;
}

function counterArg(text: string, at: Loc, name: string): void {
  if (!/^\d+$/.test(text)) throw syntaxError(at, `'${name}' needs a counter number (0 to ${STICK_COUNTERS - 1}), got '${text}'`);
}

/** The entry a tracked counter points at, or its key's entry in another table. */
function viaCounter(src: SampleSource, slot: number, tableName: string | undefined, op: Op): Sample {
  const s = stickTxnOf(src);
  const tr = s.trackers[slot];
  if (!tr) return NONE;
  if (tableName === undefined || tableName === tr.table.name) return op(tr.table, tr.entry);
  const other = s.tables?.get(tableName);
  if (!other) return NONE;
  return op(other, other.lookup(tr.entry.key));
}

function viaSource(src: SampleSource, tableName: string | undefined, op: Op, create: boolean): Sample {
  const s = stickTxnOf(src);
  const t = tableNamed(s, tableName, src.txn);
  if (!t) return NONE;
  const key = toStickKey(t.model.type, t.model.keyLen, plainAddress(src.srcAddr));
  if (key === undefined) return NONE;
  return op(t, create ? t.getOrCreate(key) : t.lookup(key));
}

const base = { defaultMatch: 'int', type: 'int', layer: 'l4' } as const;

for (const [name, op] of Object.entries(OPS)) {
  const scName = `sc_${name}`;
  registerFetch(
    scName,
    {
      ...base,
      args: [1, 2],
      checkArgs: (a, at) => {
        counterArg(a[0]!, at, scName);
        return a.length > 1 ? tableArg(a, 1, at, scName) : a;
      },
    },
    (a, src) => viaCounter(src, Number(a[0]), a[1], op),
  );
  for (let n = 0; n < STICK_COUNTERS; n++) {
    const nName = `sc${n}_${name}`;
    registerFetch(nName, { ...base, args: [0, 1], checkArgs: (a, at) => (a.length > 0 ? tableArg(a, 0, at, nName) : a) }, (a, src) =>
      viaCounter(src, n, a[0], op),
    );
  }
  // HAProxy has no src_trackers.
  if (name === 'trackers') continue;
  const srcName = `src_${name}`;
  const create = CREATING.has(name);
  registerFetch(srcName, { ...base, args: [0, 1], checkArgs: (a, at) => tableArg(a, 0, at, srcName) }, (a, src) => viaSource(src, a[0], op, create));
}

const updtConnCnt: Op = (t, e) => {
  const v = e ? t.bumpConnCnt(e) : undefined;
  return v === undefined ? NONE : v;
};
registerFetch('src_updt_conn_cnt', { ...base, args: [0, 1], checkArgs: (a, at) => tableArg(a, 0, at, 'src_updt_conn_cnt') }, (a, src) =>
  viaSource(src, a[0], updtConnCnt, true),
);

/** `sc_tracked(N)` / `scN_tracked`: whether the counter tracks something (always a boolean). */
const tracked = (src: SampleSource, slot: number): Sample => stickTxnOf(src).trackers[slot] !== undefined;
registerFetch(
  'sc_tracked',
  {
    defaultMatch: 'bool',
    type: 'bool',
    layer: 'l4',
    args: [1, 2],
    checkArgs: (a, at) => {
      counterArg(a[0]!, at, 'sc_tracked');
      return a.length > 1 ? tableArg(a, 1, at, 'sc_tracked') : a;
    },
  },
  (a, src) => tracked(src, Number(a[0])),
);
for (let n = 0; n < STICK_COUNTERS; n++) {
  registerFetch(`sc${n}_tracked`, { defaultMatch: 'bool', type: 'bool', layer: 'l4', args: [0, 1] }, (_a, src) => tracked(src, n));
}

for (const [name, fn] of [
  ['table_cnt', (t: StickTable) => t.count()],
  ['table_avl', (t: StickTable) => t.available()],
] as const) {
  registerFetch(name, { ...base, layer: 'internal', args: [0, 1], checkArgs: (a, at) => tableArg(a, 0, at, name) }, (a, src) => {
    const t = tableNamed(stickTxnOf(src), a[0], src.txn);
    return t ? fn(t) : NONE;
  });
}
