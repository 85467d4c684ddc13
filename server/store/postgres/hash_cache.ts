/**
 * Whole-file sha256 digests in PostgreSQL, keyed by this node's device and
 * inode numbers (another node's file systems number theirs differently) and
 * valid only while size and mtime are unchanged.
 */

import type { FileVersion, HashCache } from "../mod.ts";
import type { Sql } from "./database.ts";

/** Rows kept per node at most; the oldest entries are dropped beyond it. */
const MAX_ROWS = 100_000;
/** How many stores between two trims of the oldest rows (a trim counts the node's rows). */
const TRIM_EVERY = 1000;

/** Known sha256 digests of this node's files, shared by its server threads. */
export class PostgresHashCache implements HashCache {
  readonly #sql: Sql;
  readonly #node: string;
  #storedSinceTrim = 0;

  /** Uses a connection pool, on behalf of `node`. */
  constructor(sql: Sql, node: string) {
    this.#sql = sql;
    this.#node = node;
  }

  async get(version: FileVersion): Promise<string | null> {
    const [row] = await this.#sql<{ sha256: string }[]>`
      SELECT sha256 FROM file_hashes WHERE node = ${this.#node} AND dev = ${version.dev}
        AND ino = ${version.ino} AND size = ${version.size} AND mtime = ${version.mtime}`;
    return row?.sha256 ?? null;
  }

  async set(version: FileVersion, sha256: string): Promise<void> {
    await this.#sql`
      INSERT INTO file_hashes (node, dev, ino, size, mtime, sha256, stored_at)
      VALUES (${this.#node}, ${version.dev}, ${version.ino}, ${version.size}, ${version.mtime},
        ${sha256}, ${Date.now()})
      ON CONFLICT (node, dev, ino) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
        sha256 = excluded.sha256, stored_at = excluded.stored_at`;
    if (++this.#storedSinceTrim < TRIM_EVERY) return;
    this.#storedSinceTrim = 0;
    await this.#sql`
      DELETE FROM file_hashes WHERE node = ${this.#node} AND stored_at < (
        SELECT stored_at FROM file_hashes WHERE node = ${this.#node}
        ORDER BY stored_at DESC OFFSET ${MAX_ROWS} LIMIT 1)`;
  }
}
