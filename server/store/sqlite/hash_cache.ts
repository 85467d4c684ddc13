/**
 * Whole-file sha256 digests in SQLite, keyed by device and inode and valid
 * only while size and mtime are unchanged, so a file served many times is
 * hashed once, by whichever server thread first reads it all.
 */

import type { DatabaseSync } from "node:sqlite";
import type { FileVersion, HashCache } from "../mod.ts";
import { settled } from "./_async.ts";
import { statement } from "./database.ts";

/** Rows kept at most; the oldest entries are dropped beyond it. */
const MAX_ROWS = 100_000;

/** Known sha256 digests of files, shared by all server threads. */
export class SqliteHashCache implements HashCache {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(version: FileVersion): Promise<string | null> {
    return settled(() => {
      const row = statement(
        this.#db,
        "SELECT sha256 FROM file_hashes WHERE dev = ? AND ino = ? AND size = ? AND mtime = ?",
      ).get(version.dev, version.ino, version.size, version.mtime) as
        | { sha256: string }
        | undefined;
      return row?.sha256 ?? null;
    });
  }

  set(version: FileVersion, sha256: string): Promise<void> {
    return settled(() => {
      statement(
        this.#db,
        "INSERT OR REPLACE INTO file_hashes (dev, ino, size, mtime, sha256) VALUES (?, ?, ?, ?, ?)",
      ).run(version.dev, version.ino, version.size, version.mtime, sha256);
      // A replaced row gets a new rowid, so low rowids are the least recently stored.
      statement(
        this.#db,
        "DELETE FROM file_hashes WHERE rowid <= (SELECT max(rowid) FROM file_hashes) - ?",
      ).run(MAX_ROWS);
    });
  }
}
