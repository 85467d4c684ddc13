/** Users' SSH public keys in SQLite (`public_keys`). */

import type { DatabaseSync } from "node:sqlite";
import { OperationError } from "../../core/errors.ts";
import type { PublicKeyRecord, PublicKeyStore } from "../mod.ts";
import { settled } from "./_async.ts";
import { statement } from "./database.ts";

const COLUMNS = "user_id AS userId, fingerprint, type, blob, comment, added_at AS addedAt";

/** The public keys of all users. */
export class SqlitePublicKeyStore implements PublicKeyStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  add(record: PublicKeyRecord): Promise<void> {
    return settled(() => {
      try {
        statement(
          this.#db,
          `INSERT INTO public_keys (user_id, fingerprint, type, blob, comment, added_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(
          record.userId,
          record.fingerprint,
          record.type,
          record.blob,
          record.comment,
          record.addedAt,
        );
      } catch (error) {
        if (String(error).includes("UNIQUE")) {
          throw new OperationError("exists", `Key ${record.fingerprint} is already there`);
        }
        throw error;
      }
    });
  }

  list(userId: number): Promise<PublicKeyRecord[]> {
    return settled(() =>
      (statement(
        this.#db,
        `SELECT ${COLUMNS} FROM public_keys WHERE user_id = ? ORDER BY added_at, fingerprint`,
      ).all(userId) as unknown as PublicKeyRecord[]).map(plain)
    );
  }

  get(userId: number, fingerprint: string): Promise<PublicKeyRecord | undefined> {
    return settled(() => {
      const row = statement(
        this.#db,
        `SELECT ${COLUMNS} FROM public_keys WHERE user_id = ? AND fingerprint = ?`,
      ).get(userId, fingerprint) as PublicKeyRecord | undefined;
      return row && plain(row);
    });
  }

  remove(userId: number, fingerprint: string): Promise<boolean> {
    return settled(() =>
      statement(this.#db, "DELETE FROM public_keys WHERE user_id = ? AND fingerprint = ?")
        .run(userId, fingerprint).changes > 0
    );
  }
}

/** A row as a plain record (SQLite rows have a null prototype). */
function plain(row: PublicKeyRecord): PublicKeyRecord {
  return { ...row, blob: new Uint8Array(row.blob) };
}
