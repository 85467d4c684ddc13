/** Accounts in SQLite (`users`). */

import type { DatabaseSync } from "node:sqlite";
import { OperationError } from "../../core/errors.ts";
import type { AccountChanges, AccountRecord, AccountStore, NewAccountRecord } from "../mod.ts";
import { settled } from "./_async.ts";
import { statement } from "./database.ts";

interface UserRow {
  id: number;
  name: string;
  passwordHash: string;
  admin: number;
  quotaBytes: number;
  usedBytes: number;
  disabled: number;
  rateDown: number;
  rateUp: number;
  createdAt: number;
  lastLogin: number | null;
}

const USER_COLUMNS = `id, name, password_hash AS passwordHash, admin, quota_bytes AS quotaBytes,
  used_bytes AS usedBytes, disabled, rate_down AS rateDown, rate_up AS rateUp,
  created_at AS createdAt, last_login AS lastLogin`;

/** Account records over one database connection. */
export class SqliteAccountStore implements AccountStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  count(): Promise<number> {
    return settled(() =>
      (statement(this.#db, "SELECT count(*) AS n FROM users").get() as { n: number }).n
    );
  }

  byName(name: string): Promise<AccountRecord | undefined> {
    return settled(() => this.#byName(name));
  }

  byId(id: number): Promise<AccountRecord | undefined> {
    return settled(() => {
      const row = statement(this.#db, `SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as
        | UserRow
        | undefined;
      return row && toRecord(row);
    });
  }

  list(): Promise<AccountRecord[]> {
    return settled(() =>
      (statement(this.#db, `SELECT ${USER_COLUMNS} FROM users ORDER BY name`)
        .all() as unknown as UserRow[]).map(toRecord)
    );
  }

  insert(account: NewAccountRecord): Promise<AccountRecord> {
    return settled(() => {
      try {
        statement(
          this.#db,
          `INSERT INTO users (name, password_hash, admin, quota_bytes, rate_down, rate_up,
             created_at, used_measured)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
        ).run(
          account.name,
          account.passwordHash,
          account.admin ? 1 : 0,
          account.quota,
          account.rateDown ?? 0,
          account.rateUp ?? 0,
          account.createdAt,
        );
      } catch (error) {
        if (String(error).includes("UNIQUE")) {
          throw new OperationError("exists", `User "${account.name}" already exists`);
        }
        throw error;
      }
      return this.#byName(account.name)!;
    });
  }

  update(name: string, changes: AccountChanges): Promise<AccountRecord | undefined> {
    return settled(() => {
      const columns: [string, string | number][] = [];
      if (changes.passwordHash !== undefined) columns.push(["password_hash", changes.passwordHash]);
      if (changes.quota !== undefined) columns.push(["quota_bytes", changes.quota]);
      if (changes.disabled !== undefined) columns.push(["disabled", changes.disabled ? 1 : 0]);
      if (changes.rateDown !== undefined) columns.push(["rate_down", changes.rateDown]);
      if (changes.rateUp !== undefined) columns.push(["rate_up", changes.rateUp]);
      if (columns.length > 0) {
        const set = columns.map(([column]) => `${column} = ?`).join(", ");
        const result = statement(this.#db, `UPDATE users SET ${set} WHERE name = ?`)
          .run(...columns.map(([, value]) => value), name);
        if (result.changes === 0) return undefined;
      }
      return this.#byName(name);
    });
  }

  recordLogin(id: number, at: number): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE users SET last_login = ? WHERE id = ?").run(at, id);
    });
  }

  delete(id: number): Promise<boolean> {
    return settled(() =>
      statement(this.#db, "DELETE FROM users WHERE id = ?").run(id).changes === 1
    );
  }

  replaceUsed(name: string, expected: number, measured: number): Promise<boolean> {
    return settled(() => {
      const noUploadInFlight = this.#hasUploadReservations()
        ? " AND NOT EXISTS (SELECT 1 FROM upload_reservations WHERE user_id = users.id)"
        : "";
      const result = statement(
        this.#db,
        `UPDATE users SET used_bytes = ? WHERE name = ? AND used_bytes = ?${noUploadInFlight}`,
      ).run(measured, name, expected);
      return result.changes === 1;
    });
  }

  unmeasured(): Promise<{ id: number; name: string; used: number }[]> {
    return settled(() =>
      statement(
        this.#db,
        "SELECT id, name, used_bytes AS used FROM users WHERE used_measured = 0",
      ).all() as unknown as { id: number; name: string; used: number }[]
    );
  }

  setMeasured(id: number, bytes: number): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE users SET used_bytes = ?, used_measured = 1 WHERE id = ?")
        .run(bytes, id);
    });
  }

  /**
   * SQLite's `data_version` moves when another connection commits (another
   * server thread, a host command), and `total_changes()` when this
   * connection writes a row.
   */
  changeStamp(): Promise<string> {
    return settled(() => {
      const { data_version: version } = statement(this.#db, "PRAGMA data_version").get() as {
        data_version: number;
      };
      const { changes } = statement(this.#db, "SELECT total_changes() AS changes").get() as {
        changes: number;
      };
      return `${version}:${changes}`;
    });
  }

  #byName(name: string): AccountRecord | undefined {
    const row = statement(this.#db, `SELECT ${USER_COLUMNS} FROM users WHERE name = ?`)
      .get(name) as UserRow | undefined;
    return row && toRecord(row);
  }

  /** Whether the reservation table is in this schema (tests open older data dirs). */
  #hasUploadReservations(): boolean {
    return statement(
      this.#db,
      "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'upload_reservations'",
    ).get() !== undefined;
  }
}

function toRecord(row: UserRow): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    passwordHash: row.passwordHash,
    admin: row.admin === 1,
    quota: row.quotaBytes,
    used: row.usedBytes,
    disabled: row.disabled === 1,
    rateDown: row.rateDown,
    rateUp: row.rateUp,
    createdAt: row.createdAt,
    lastLogin: row.lastLogin,
  };
}
