/**
 * The PostgreSQL backend of the stores, for several server nodes sharing one
 * database: `db = postgres://USER@HOST:PORT/DB` (the password from
 * `FTPX_DB_PASSWORD` or `.pgpass`). Every check-and-change is one
 * transaction that locks what it checks (the user's row for quota, an
 * advisory lock for session slots, login attempts and registrations), so
 * nodes acting at once can't overshoot a limit.
 *
 * @module
 */

import type { Stores } from "../mod.ts";
import { PostgresAccountStore } from "./accounts.ts";
import { connect, migrate, requireCurrentSchema, type Sql } from "./database.ts";
import { PostgresHashCache } from "./hash_cache.ts";
import { PostgresLoginAttemptStore } from "./login_attempts.ts";
import { PostgresNodeRegistry } from "./nodes.ts";
import { PostgresPartialStore } from "./partials.ts";
import { PostgresPublicKeyStore } from "./public_keys.ts";
import { PostgresQuotaLedger } from "./quota.ts";
import { PostgresRegistrationStore } from "./registrations.ts";
import { PostgresSessionRegistry } from "./session_registry.ts";
import type { PostgresTarget } from "./url.ts";
import { PostgresAdminActionStore, PostgresWebSessionStore } from "./web_sessions.ts";

export { MIGRATIONS } from "./migrations.ts";
export { describeTarget, isPostgresUrl, parseDbUrl, redactDbUrl } from "./url.ts";
export type { PostgresTarget } from "./url.ts";

/** Options for {@linkcode openPostgresStores}. */
export interface OpenPostgresOptions {
  /** This node's name on the rows that are its own (sessions, reservations, digests). */
  node: string;
  /** Create or upgrade the schema first; else a schema other than this build's is refused. */
  migrate?: boolean;
}

/** Connects to `target` and opens every store over one pool of connections. */
export async function openPostgresStores(
  target: PostgresTarget,
  options: OpenPostgresOptions,
): Promise<Stores> {
  const sql = await connect(target);
  try {
    if (options.migrate) await migrate(sql, target);
    else await requireCurrentSchema(sql, target);
  } catch (error) {
    await sql.end({ timeout: 5 });
    throw error;
  }
  return storesOver(sql, options.node);
}

/** The stores over an open pool; closing them ends the pool. */
function storesOver(sql: Sql, node: string): Stores {
  return {
    accounts: new PostgresAccountStore(sql),
    quota: new PostgresQuotaLedger(sql, node),
    partials: new PostgresPartialStore(sql),
    hashes: new PostgresHashCache(sql, node),
    sessions: new PostgresSessionRegistry(sql, node),
    loginAttempts: new PostgresLoginAttemptStore(sql),
    registrations: new PostgresRegistrationStore(sql),
    nodes: new PostgresNodeRegistry(sql, node),
    webSessions: new PostgresWebSessionStore(sql),
    adminActions: new PostgresAdminActionStore(sql),
    publicKeys: new PostgresPublicKeyStore(sql),
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Creates or upgrades the schema of `target` (`ftpx migrate`): the versions before and after. */
export async function migratePostgres(
  target: PostgresTarget,
): Promise<{ from: number; to: number }> {
  const sql = await connect(target);
  try {
    return await migrate(sql, target);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
