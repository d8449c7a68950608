import type { ConfigModel } from '../config/model.js';
import type { SampleSource, ResponseView } from '../acl/sample-source.js';
import { AclCondition, compileNamedAcls } from '../acl/acl-condition.js';
import { serverIds } from '../config/server-options.js';
import { evalSampleOne } from '../sample/sample-expr.js';
import type { Backend } from '../runtime/backend.js';
import type { Server } from '../runtime/server.js';
import { checkLateTableRefs, type StickRuleModel } from './stick-parser.js';
import type { StickTable } from './stick-table.js';
import { makeStickTable } from './stick-shared.js';
import { toStickKey } from './stick-key.js';
import { StickTables, attachStickTables, peekStickTxn, stickTxnOf, releaseStream } from './stick-txn.js';

interface CompiledStickRule {
  readonly model: StickRuleModel;
  readonly table: StickTable;
  readonly cond: AclCondition | undefined;
}
interface BackendStick {
  readonly rules: readonly CompiledStickRule[];
  /** HAProxy's server ids (`id N` or the next free number), what server_id stores. */ readonly ids: readonly number[];
}

/** Stick rules of a backend, compiled against the tables of its configuration. */
const rulesByBackend = new WeakMap<Backend, BackendStick>();
/** Keys that `stick store-request` rules chose, waiting for the server that will answer. */
const pendingStores = new WeakMap<object, { table: StickTable; key: string }[]>();

/** Makes the tables a configuration declares; `make` lets a worker process use tables it shares with the others. */
export function buildStickTables(
  config: ConfigModel,
  frontends: readonly object[],
  backends: ReadonlyMap<string, Backend>,
  make: (m: NonNullable<ConfigModel['frontends'][number]['stickTable']>) => StickTable = makeStickTable,
): StickTables | undefined {
  const sections = new Set([...config.frontends, ...config.backends]);
  checkLateTableRefs(new Set([...sections].filter((s) => s.stickTable).map((s) => s.name)));
  const tables: StickTable[] = [];
  for (const s of sections) if (s.stickTable) tables.push(make(s.stickTable));
  if (tables.length === 0) return undefined;
  const registry = new StickTables(tables);
  for (const f of frontends) attachStickTables(f, registry);
  for (const b of backends.values()) {
    const rules = b.model.stickRules;
    if (!rules?.length) continue;
    const acls = compileNamedAcls(b.model.acls);
    rulesByBackend.set(b, {
      rules: rules.map((r) => ({ model: r, table: registry.get(r.table ?? b.name)!, cond: r.cond ? AclCondition.compile(r.cond, acls) : undefined })),
      ids: serverIds(b.model.servers),
    });
  }
  return registry;
}

function keyFor(rule: CompiledStickRule, src: SampleSource): string | undefined {
  const t = rule.table.model;
  return toStickKey(t.type, t.keyLen, evalSampleOne(rule.model.key, src));
}

/**
 * Runs a backend's `stick match|on|store-request` rules before a server is
 * chosen: the first matching entry whose server can take the request names
 * the server; store-request keys wait for the server that will answer.
 */
export function stickMatch(be: Backend, req: SampleSource): Server | undefined {
  const stick = rulesByBackend.get(be);
  if (!stick) return undefined;
  const rules = stick.rules;
  let chosen: Server | undefined;
  const stores: { table: StickTable; key: string }[] = [];
  for (const r of rules) {
    if (r.model.kind === 'store-response') continue;
    if (r.cond && !r.cond.test(req)) continue;
    const key = keyFor(r, req);
    if (key === undefined) continue;
    if ((r.model.kind === 'match' || r.model.kind === 'on') && !chosen) {
      const e = r.table.lookup(key);
      const id = e?.n.server_id;
      const i = id ? stick.ids.indexOf(id) : -1;
      const srv = i >= 0 ? be.servers[i] : undefined;
      // A drained server (weight 0) keeps its sticky clients, as HAProxy does; a down or maintenance one does not.
      if (srv && srv.persistable()) chosen = srv;
    }
    if (r.model.kind === 'store-request' || r.model.kind === 'on') {
      if (!stores.some((s) => s.table === r.table) && stores.length < 8) stores.push({ table: r.table, key });
    }
  }
  if (stores.length > 0) pendingStores.set(stickTxnOf(req), stores);
  return chosen;
}

/** The server answered: stored keys now point at it (store-request keys, then store-response ones). */
export function stickStore(be: Backend, req: SampleSource, server: Server, response: ResponseView): void {
  const stick = rulesByBackend.get(be);
  if (!stick) return;
  const rules = stick.rules;
  const s = stickTxnOf(req);
  const stores = pendingStores.get(s) ?? [];
  pendingStores.delete(s);
  if (rules.some((r) => r.model.kind === 'store-response')) {
    const view: SampleSource = { ...req, response };
    for (const r of rules) {
      if (r.model.kind !== 'store-response') continue;
      if (r.cond && !r.cond.test(view)) continue;
      const key = keyFor(r, view);
      if (key !== undefined && !stores.some((x) => x.table === r.table)) stores.push({ table: r.table, key });
    }
  }
  const id = stick.ids[be.servers.indexOf(server)];
  if (id === undefined) return;
  for (const { table, key } of stores) {
    table.store(key, id);
  }
}

/** The request is over (answered, failed or cut): trackers count it and let go. */
export function stickEnd(req: SampleSource, bytesIn: number, bytesOut: number, status: number): void {
  const s = peekStickTxn(req);
  if (s) releaseStream(s, { bytesIn, bytesOut, status });
}

/**
 * A request's size for bytes_in: HAProxy counts the head as it stores it
 * once parsed, which is the received head less the ": " and line end of
 * each header field (4 bytes a field), plus the body (as declared).
 */
export function requestByteCount(rawHead: Buffer, contentLength: number): number {
  let lines = 0;
  for (let i = rawHead.indexOf(10); i >= 0; i = rawHead.indexOf(10, i + 1)) lines++;
  const fields = Math.max(0, lines - 2);
  return rawHead.length - 4 * fields + (contentLength > 0 ? contentLength : 0);
}
