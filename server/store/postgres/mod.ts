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
import { OperationError } from "../../core/errors.ts";
import { connect, isConnectionLost, migrate, requireCurrentSchema, type Sql } from "./database.ts";
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

/**
 * Every method of `store`, with PostgreSQL out of reach turned into an
 * `unavailable` refusal: a login then gets a clear "try again" (503, FTP
 * 421) instead of an internal error, and the next call reconnects.
 */
function reachable<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || name === "constructor") return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (!isConnectionLost(error)) throw error;
          throw new OperationError(
            "unavailable",
            "The accounts database is unreachable: try again in a moment",
          );
        });
      };
    },
  });
}

/** The stores over an open pool; closing them ends the pool. */
function storesOver(sql: Sql, node: string): Stores {
  return {
    accounts: reachable(new PostgresAccountStore(sql)),
    quota: reachable(new PostgresQuotaLedger(sql, node)),
    partials: reachable(new PostgresPartialStore(sql)),
    hashes: reachable(new PostgresHashCache(sql, node)),
    sessions: reachable(new PostgresSessionRegistry(sql, node)),
    loginAttempts: reachable(new PostgresLoginAttemptStore(sql)),
    registrations: reachable(new PostgresRegistrationStore(sql)),
    nodes: reachable(new PostgresNodeRegistry(sql, node)),
    webSessions: reachable(new PostgresWebSessionStore(sql)),
    adminActions: reachable(new PostgresAdminActionStore(sql)),
    publicKeys: reachable(new PostgresPublicKeyStore(sql)),
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
