/** Opens the stores a data dir's configuration names: today the embedded SQLite database. */

import type { Stores } from "./mod.ts";
import { openSqliteStores } from "./sqlite/mod.ts";

/** The stores of the accounts in `dataDir`. */
export function openStores(dataDir: string): Stores {
  return openSqliteStores(dataDir);
}
