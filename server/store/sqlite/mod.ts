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
import { SqlitePartialStore } from "./partials.ts";
import { SqlitePublicKeyStore } from "./public_keys.ts";
import { SqliteQuotaLedger } from "./quota.ts";
import { SqliteRegistrationStore } from "./registrations.ts";
import { SqliteSessionRegistry } from "./session_registry.ts";

export { DATABASE_FILE } from "./database.ts";

/** Opens (creating if needed) the database in `dataDir` and every store over it. */
export function openSqliteStores(dataDir: string, options: OpenDatabaseOptions = {}): Stores {
  const db = openDatabase(dataDir, options);
  return {
    accounts: new SqliteAccountStore(db),
    quota: new SqliteQuotaLedger(db),
    partials: new SqlitePartialStore(db),
    hashes: new SqliteHashCache(db),
    sessions: new SqliteSessionRegistry(db),
    loginAttempts: new SqliteLoginAttemptStore(db),
    registrations: new SqliteRegistrationStore(db),
    publicKeys: new SqlitePublicKeyStore(db),
    close: () => settled(() => db.close()),
  };
}
