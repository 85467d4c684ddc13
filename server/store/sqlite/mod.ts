/**
 * The SQLite backend of the stores: one `ftpx.db` in the data dir (WAL mode,
 * numbered migrations), a connection per server thread and host command.
 *
 * @module
 */

import type { Stores } from "../mod.ts";
import { SqliteAccountStore } from "./accounts.ts";
import { settled } from "./_async.ts";
import { openDatabase, type OpenDatabaseOptions } from "./database.ts";
import { SqliteHashCache } from "./hash_cache.ts";
import { SqliteLoginAttemptStore } from "./login_attempts.ts";
import { SqliteNodeRegistry } from "./nodes.ts";
import { SqlitePartialStore } from "./partials.ts";
import { SqlitePublicKeyStore } from "./public_keys.ts";
import { SqliteQuotaLedger } from "./quota.ts";
import { SqliteRegistrationStore } from "./registrations.ts";
import { SqliteSessionRegistry } from "./session_registry.ts";
import { SqliteAdminActionStore, SqliteWebSessionStore } from "./web_sessions.ts";

export { DATABASE_FILE } from "./database.ts";

/** Options for {@linkcode openSqliteStores}. */
export interface OpenSqliteOptions extends OpenDatabaseOptions {
  /** This node's name, as `who` shows it (default `local`). */
  node?: string;
}

/** Opens (creating if needed) the database in `dataDir` and every store over it. */
export function openSqliteStores(dataDir: string, options: OpenSqliteOptions = {}): Stores {
  const db = openDatabase(dataDir, options);
  const node = options.node ?? "local";
  return {
    accounts: new SqliteAccountStore(db),
    quota: new SqliteQuotaLedger(db),
    partials: new SqlitePartialStore(db),
    hashes: new SqliteHashCache(db),
    sessions: new SqliteSessionRegistry(db, node),
    loginAttempts: new SqliteLoginAttemptStore(db),
    registrations: new SqliteRegistrationStore(db),
    nodes: new SqliteNodeRegistry(node),
    webSessions: new SqliteWebSessionStore(db),
    adminActions: new SqliteAdminActionStore(db),
    publicKeys: new SqlitePublicKeyStore(db),
    close: () => settled(() => db.close()),
  };
}
