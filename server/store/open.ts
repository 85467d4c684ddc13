/**
 * Opens the stores the configuration names: the embedded SQLite database in
 * the data dir (the default), or PostgreSQL when `db` is a
 * `postgres://USER@HOST:PORT/DB` URL.
 */

import type { Stores } from "./mod.ts";
import { openSqliteStores } from "./sqlite/mod.ts";

/** Options for {@linkcode openStores}. */
export interface OpenStoresOptions {
  /** `postgres://USER@HOST:PORT/DB`; null or absent: SQLite in the data dir. */
  db?: string | null;
  /** This node's name (on its rows in a shared database, in `who`); default: the host name. */
  node?: string;
  /**
   * Create or upgrade a PostgreSQL schema first (`serve`, `migrate`,
   * `adduser` of a new database); else a schema other than this build's is
   * refused. SQLite always migrates at open.
   */
  migrate?: boolean;
}

/** The stores of the accounts in `dataDir`, or in the database `db` names. */
export async function openStores(
  dataDir: string,
  options: OpenStoresOptions = {},
): Promise<Stores> {
  if (options.db === undefined || options.db === null) {
    return openSqliteStores(dataDir, options.node === undefined ? {} : { node: options.node });
  }
  // Loaded only when asked for, so an SQLite server never loads the PostgreSQL client.
  const { openPostgresStores, parseDbUrl } = await import("./postgres/mod.ts");
  return await openPostgresStores(parseDbUrl(options.db), {
    node: options.node ?? Deno.hostname(),
    migrate: options.migrate ?? false,
  });
}
