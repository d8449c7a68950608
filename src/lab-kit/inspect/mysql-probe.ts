import type { RowDataPacket } from 'mysql2/promise';
import { openTunnel, type ProbeContext } from './outside-probe.js';

export interface MysqlLogin {
  user: string;
  password: string;
  database?: string;
}

/** `connected`: the server took the login and refused the statement (an SQL error, not a server that is not up yet). */
export type MysqlAnswer = { ok: true; rows: unknown[][] } | { ok: false; problem: string; connected: boolean };

/**
 * One SQL statement sent with docklab's own MySQL client (mysql2), over a
 * connection opened from inside the target container's network namespace:
 * no client in the learner's image, no password on a command line or in
 * MYSQL_PWD. Works alike for MySQL 8.x/9.x and MariaDB 10.x/11.x.
 */
export async function mysqlQueryFrom(
  ctx: ProbeContext,
  targetId: string,
  login: MysqlLogin,
  sql: string,
  where: { host?: string; port?: number; timeoutMs?: number; multipleStatements?: boolean } = {},
): Promise<MysqlAnswer> {
  const host = where.host ?? '127.0.0.1';
  const port = where.port ?? 3306;
  const tunnel = await openTunnel(ctx, targetId, host, port);
  // Loaded when first asked: most labs never speak MySQL, and every run would pay for loading the client.
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({
    stream: tunnel as never,
    user: login.user,
    password: login.password,
    database: login.database,
    connectTimeout: where.timeoutMs ?? 10_000,
    rowsAsArray: true,
    multipleStatements: where.multipleStatements,
  }).catch((error: Error & { code?: string }) => error);
  try {
    if (connection instanceof Error) return { ok: false, problem: describe(connection, tunnel.problem()), connected: false };
    const [rows] = await connection.query<RowDataPacket[]>({ sql, rowsAsArray: true, timeout: where.timeoutMs ?? 10_000 });
    return { ok: true, rows: rows as unknown as unknown[][] };
  } catch (error) {
    return { ok: false, problem: describe(error as Error, tunnel.problem()), connected: true };
  } finally {
    if (!(connection instanceof Error)) await connection.end().catch(() => connection.destroy());
    await tunnel.close();
  }
}

/** The server's words (Access denied …) or, when nothing connected, what nc said (Connection refused). */
function describe(error: Error & { code?: string; sqlMessage?: string }, ncSaid: string): string {
  if (error.sqlMessage) return error.sqlMessage;
  if (ncSaid) return ncSaid.split('\n').pop()!.replace(/^nc: /, '');
  return error.message || error.code || 'no answer';
}
