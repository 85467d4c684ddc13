/** Accounts in PostgreSQL (`users`, and the `account_changes` counter its triggers bump). */

import { OperationError } from "../../core/errors.ts";
import type { AccountChanges, AccountRecord, AccountStore, NewAccountRecord } from "../mod.ts";
import { isUniqueViolation, type Sql } from "./database.ts";

interface UserRow {
  id: number;
  name: string;
  passwordHash: string;
  admin: boolean;
  quotaBytes: number;
  usedBytes: number;
  disabled: boolean;
  rateDown: number;
  rateUp: number;
  createdAt: number;
  lastLogin: number | null;
}

/** Account records, shared by every node. */
export class PostgresAccountStore implements AccountStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async count(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`SELECT count(*) AS n FROM users`;
    return row!.n;
  }

  async byName(name: string): Promise<AccountRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`${this.#select()} WHERE name = ${name}`;
    return row && toRecord(row);
  }

  async byId(id: number): Promise<AccountRecord | undefined> {
    const [row] = await this.#sql<UserRow[]>`${this.#select()} WHERE id = ${id}`;
    return row && toRecord(row);
  }

  async list(): Promise<AccountRecord[]> {
    return (await this.#sql<UserRow[]>`${this.#select()} ORDER BY name COLLATE "C"`).map(toRecord);
  }

  async insert(account: NewAccountRecord): Promise<AccountRecord> {
    try {
      const [row] = await this.#sql<UserRow[]>`
        INSERT INTO users (name, password_hash, admin, quota_bytes, rate_down, rate_up, created_at,
          used_measured)
        VALUES (${account.name}, ${account.passwordHash}, ${account.admin}, ${account.quota},
          ${account.rateDown ?? 0}, ${account.rateUp ?? 0}, ${account.createdAt}, true)
        RETURNING ${this.#columns()}`;
      return toRecord(row!);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new OperationError("exists", `User "${account.name}" already exists`);
      }
      throw error;
    }
  }

  async update(name: string, changes: AccountChanges): Promise<AccountRecord | undefined> {
    const set: Record<string, string | number | boolean> = {};
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.quota !== undefined) set.quota_bytes = changes.quota;
    if (changes.disabled !== undefined) set.disabled = changes.disabled;
    if (changes.rateDown !== undefined) set.rate_down = changes.rateDown;
    if (changes.rateUp !== undefined) set.rate_up = changes.rateUp;
    if (Object.keys(set).length === 0) return await this.byName(name);
    const [row] = await this.#sql<UserRow[]>`
      UPDATE users SET ${this.#sql(set)} WHERE name = ${name} RETURNING ${this.#columns()}`;
    return row && toRecord(row);
  }

  async recordLogin(id: number, at: number): Promise<void> {
    await this.#sql`UPDATE users SET last_login = ${at} WHERE id = ${id}`;
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.#sql`DELETE FROM users WHERE id = ${id}`;
    return result.count === 1;
  }

  async replaceUsed(name: string, expected: number, measured: number): Promise<boolean> {
    const result = await this.#sql`
      UPDATE users SET used_bytes = ${measured}
      WHERE name = ${name} AND used_bytes = ${expected}
        AND NOT EXISTS (SELECT 1 FROM upload_reservations WHERE user_id = users.id)`;
    return result.count === 1;
  }

  async unmeasured(): Promise<{ id: number; name: string; used: number }[]> {
    return [
      ...await this.#sql<{ id: number; name: string; used: number }[]>`
        SELECT id, name, used_bytes AS used FROM users WHERE NOT used_measured`,
    ];
  }

  async setMeasured(id: number, bytes: number): Promise<void> {
    await this.#sql`UPDATE users SET used_bytes = ${bytes}, used_measured = true WHERE id = ${id}`;
  }

  /**
   * The `account_changes` counter: every committed change to `users`, on any
   * node, bumps it in the same transaction, so it is only seen with the change.
   */
  async changeStamp(): Promise<string> {
    const [row] = await this.#sql<{ version: number }[]>`
      SELECT version FROM account_changes WHERE id = 1`;
    return String(row!.version);
  }

  #columns() {
    return this.#sql`id, name, password_hash AS "passwordHash", admin, quota_bytes AS "quotaBytes",
      used_bytes AS "usedBytes", disabled, rate_down AS "rateDown", rate_up AS "rateUp",
      created_at AS "createdAt", last_login AS "lastLogin"`;
  }

  #select() {
    return this.#sql`SELECT ${this.#columns()} FROM users`;
  }
}

function toRecord(row: UserRow): AccountRecord {
  return {
    id: row.id,
    name: row.name,
    passwordHash: row.passwordHash,
    admin: row.admin,
    quota: row.quotaBytes,
    used: row.usedBytes,
    disabled: row.disabled,
    rateDown: row.rateDown,
    rateUp: row.rateUp,
    createdAt: row.createdAt,
    lastLogin: row.lastLogin,
  };
}
