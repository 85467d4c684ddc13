/**
 * A cache of whole-file sha256 digests in the database, keyed by device and
 * inode and valid only while size and mtime are unchanged, so a file served
 * many times is hashed once, by whichever server thread first reads it all.
 */

import type { DatabaseSync } from "node:sqlite";
import { statement } from "./database.ts";

/** Rows kept at most; the oldest entries are dropped beyond it. */
const MAX_ROWS = 100_000;

/** Known sha256 digests of files, shared by all server threads. */
export class HashCache {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The digest of the file `info` describes, if known for this exact version. */
  get(info: Deno.FileInfo): string | null {
    const row = statement(
      this.#db,
      "SELECT sha256 FROM file_hashes WHERE dev = ? AND ino = ? AND size = ? AND mtime = ?",
    ).get(info.dev, info.ino ?? 0, info.size, mtimeOf(info)) as { sha256: string } | undefined;
    return row?.sha256 ?? null;
  }

  /** Remembers the digest of the file version `info` describes. */
  set(info: Deno.FileInfo, sha256: string): void {
    statement(
      this.#db,
      "INSERT OR REPLACE INTO file_hashes (dev, ino, size, mtime, sha256) VALUES (?, ?, ?, ?, ?)",
    ).run(info.dev, info.ino ?? 0, info.size, mtimeOf(info), sha256);
    // A replaced row gets a new rowid, so low rowids are the least recently stored.
    statement(
      this.#db,
      "DELETE FROM file_hashes WHERE rowid <= (SELECT max(rowid) FROM file_hashes) - ?",
    ).run(MAX_ROWS);
  }
}

function mtimeOf(info: Deno.FileInfo): number {
  return info.mtime?.getTime() ?? 0;
}
