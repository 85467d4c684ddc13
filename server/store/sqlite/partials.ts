/** Records of partial uploads in SQLite (`partial_uploads`). */

import type { DatabaseSync } from "node:sqlite";
import type { PartialRecord, PartialStore } from "../mod.ts";
import { settled } from "./_async.ts";
import { statement } from "./database.ts";

const COLUMNS = "user_id AS userId, path, partial, size, source, updated_at AS updatedAt";

/** Partial upload records of all users. */
export class SqlitePartialStore implements PartialStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(userId: number, path: string): Promise<PartialRecord | undefined> {
    return settled(() =>
      statement(this.#db, `SELECT ${COLUMNS} FROM partial_uploads WHERE user_id = ? AND path = ?`)
        .get(userId, path) as PartialRecord | undefined
    );
  }

  save(record: Omit<PartialRecord, "updatedAt">): Promise<void> {
    return settled(() => {
      statement(
        this.#db,
        `INSERT OR REPLACE INTO partial_uploads (user_id, path, partial, size, source, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(record.userId, record.path, record.partial, record.size, record.source, Date.now());
    });
  }

  touch(userId: number, path: string): Promise<void> {
    return settled(() => {
      statement(
        this.#db,
        "UPDATE partial_uploads SET updated_at = ? WHERE user_id = ? AND path = ?",
      ).run(Date.now(), userId, path);
    });
  }

  delete(userId: number, path: string): Promise<void> {
    return settled(() => {
      statement(this.#db, "DELETE FROM partial_uploads WHERE user_id = ? AND path = ?")
        .run(userId, path);
    });
  }

  staleSince(cutoff: number): Promise<PartialRecord[]> {
    return settled(() =>
      statement(
        this.#db,
        `SELECT ${COLUMNS} FROM partial_uploads p WHERE updated_at < ? AND NOT EXISTS
           (SELECT 1 FROM upload_reservations r WHERE r.user_id = p.user_id AND r.partial = p.partial)`,
      ).all(cutoff) as unknown as PartialRecord[]
    );
  }
}
