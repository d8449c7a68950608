/**
 * The data types a stick table can store (`store …`), split into plain
 * counters and sliding-period rates (`name(period)`).
 */
export const COUNTER_TYPES = [
  'server_id',
  'gpt0',
  'gpc0',
  'gpc1',
  'conn_cnt',
  'conn_cur',
  'sess_cnt',
  'http_req_cnt',
  'http_err_cnt',
  'http_fail_cnt',
  'bytes_in_cnt',
  'bytes_out_cnt',
] as const;
export const RATE_TYPES = [
  'gpc0_rate',
  'gpc1_rate',
  'conn_rate',
  'sess_rate',
  'http_req_rate',
  'http_err_rate',
  'http_fail_rate',
  'bytes_in_rate',
  'bytes_out_rate',
] as const;

export type CounterType = (typeof COUNTER_TYPES)[number];
export type RateType = (typeof RATE_TYPES)[number];

export type StickKeyType = 'ip' | 'ipv6' | 'integer' | 'string' | 'binary';

/** A `stick-table` line as parsed: key type, limits and what each entry stores. */
export interface StickTableModel {
  /** The name other sections use with `table NAME` (the section's own name). */
  readonly name: string;
  readonly type: StickKeyType;
  /** Key length in bytes for string and binary keys. */
  readonly keyLen: number;
  readonly size: number;
  /** Idle time after which an entry is forgotten, in ms; undefined: never. */
  readonly expire: number | undefined;
  readonly nopurge: boolean;
  readonly counters: readonly CounterType[];
  /** Rate types with their period in ms. */
  readonly rates: ReadonlyMap<RateType, number>;
  readonly loc: { readonly file: string; readonly line: number };
}
