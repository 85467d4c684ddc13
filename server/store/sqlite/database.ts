/**
 * The account database: SQLite (`node:sqlite`) in WAL mode in the data dir,
 * with numbered migrations applied at open so an older data dir opens in a
 * newer ftpx. Server threads and host admin commands each hold a connection.
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { MIGRATIONS } from "./migrations.ts";

/** File name of the database inside the data dir. */
export const DATABASE_FILE = "ftpx.db";

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Apply migrations only up to this version (tests build older data dirs with it). */
  upToVersion?: number;
}

/** Opens (creating if needed) the database in `dataDir` and brings its schema up to date. */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const path = join(dataDir, DATABASE_FILE);
  const db = new DatabaseSync(path);
  keepPrivate(path);
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db, options.upToVersion ?? MIGRATIONS.length);
  return db;
}

/**
 * Makes the database and its journal owner-only: they hold the password
 * hashes, and a data dir made beforehand may be readable by others. Runs
 * right after SQLite opened (or created) the file and before the first write,
 * so a new database holds nothing yet, and SQLite gives the `-wal` and `-shm`
 * files it creates later the database file's mode.
 *
 * Only by path, never through a descriptor of our own: closing any descriptor
 * of the file drops every POSIX lock this process holds on it, SQLite's
 * included, after which another SQLite client (an operator's `sqlite3`, a
 * backup) believes it is alone and deletes the WAL the server still writes
 * to. Not being the file's owner (root reading someone's data dir) is left
 * alone.
 */
function keepPrivate(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((Deno.statSync(file).mode! & 0o077) !== 0) Deno.chmodSync(file, 0o600);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    }
  }
}

/** The schema version a database is at. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

function migrate(db: DatabaseSync, target: number): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    db.close();
    throw new Error(
      `Data dir was written by a newer ftpx (schema ${current}, this build knows ${MIGRATIONS.length}): upgrade ftpx`,
    );
  }
  for (let version = current + 1; version <= target; version++) {
    inTransaction(db, () => {
      // Another process may have migrated while we waited for the write lock.
      if (schemaVersion(db) >= version) return;
      db.exec(MIGRATIONS[version - 1]!);
      db.exec(`PRAGMA user_version = ${version}`);
    });
  }
}

/** Runs `work` in an IMMEDIATE transaction (write lock taken up front), committing or rolling back. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

const STATEMENTS = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * A prepared statement for `sql` on `db`, compiled once per connection:
 * preparing costs tens of microseconds, running a cached one a few.
 */
export function statement(db: DatabaseSync, sql: string): StatementSync {
  let cache = STATEMENTS.get(db);
  if (!cache) STATEMENTS.set(db, cache = new Map());
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, prepared = db.prepare(sql));
  return prepared;
}
