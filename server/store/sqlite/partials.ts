/**
 * Records of partial uploads, so a later `put` of the same file (same path,
 * size and source identity) resumes where an interrupted one stopped, and
 * stale partials can be found and removed. The bytes themselves live in the
 * user's home under `.ftpx-partial/` (see `Vfs.partialFile`).
 */

import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { statement } from "./database.ts";

/** One partial upload. */
export interface PartialRecord {
  userId: number;
  /** Virtual path the upload will get when committed. */
  path: string;
  /** File name under the home's partial directory. */
  partial: string;
  /** Declared full size, when the client gave one. */
  size: number | null;
  /** The client's identity of its source file, when given. */
  source: string | null;
  /** Last time the upload made progress, milliseconds since the epoch. */
  updatedAt: number;
}

const COLUMNS = "user_id AS userId, path, partial, size, source, updated_at AS updatedAt";

/** The partial file name for an upload to `virtualPath`: one per path, so resumes find it. */
export function partialName(virtualPath: string): string {
  return createHash("sha256").update(virtualPath).digest("hex").slice(0, 32);
}

/** Partial upload records of all users. */
export class PartialStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The record of an upload to `path`, if any. */
  get(userId: number, path: string): PartialRecord | undefined {
    return statement(
      this.#db,
      `SELECT ${COLUMNS} FROM partial_uploads WHERE user_id = ? AND path = ?`,
    )
      .get(userId, path) as PartialRecord | undefined;
  }

  /** Creates or replaces the record of an upload to `path`. */
  save(record: Omit<PartialRecord, "updatedAt">): void {
    statement(
      this.#db,
      `INSERT OR REPLACE INTO partial_uploads (user_id, path, partial, size, source, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(record.userId, record.path, record.partial, record.size, record.source, Date.now());
  }

  /** Marks an upload as recently active. */
  touch(userId: number, path: string): void {
    statement(this.#db, "UPDATE partial_uploads SET updated_at = ? WHERE user_id = ? AND path = ?")
      .run(Date.now(), userId, path);
  }

  /** Forgets an upload (committed or discarded). */
  delete(userId: number, path: string): void {
    statement(this.#db, "DELETE FROM partial_uploads WHERE user_id = ? AND path = ?").run(
      userId,
      path,
    );
  }

  /** Records idle since before `cutoff` whose upload is not running now. */
  staleSince(cutoff: number): PartialRecord[] {
    return statement(
      this.#db,
      `SELECT ${COLUMNS} FROM partial_uploads p WHERE updated_at < ? AND NOT EXISTS
         (SELECT 1 FROM upload_reservations r WHERE r.user_id = p.user_id AND r.partial = p.partial)`,
    ).all(cutoff) as unknown as PartialRecord[];
  }
}
