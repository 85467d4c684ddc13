/** Users' SSH public keys in PostgreSQL (`public_keys`), shared by every node. */

import { Buffer } from "node:buffer";
import { OperationError } from "../../core/errors.ts";
import type { PublicKeyRecord, PublicKeyStore } from "../mod.ts";
import { isUniqueViolation, type Sql } from "./database.ts";

/** The public keys of all users. */
export class PostgresPublicKeyStore implements PublicKeyStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async add(record: PublicKeyRecord): Promise<void> {
    try {
      await this.#sql`
        INSERT INTO public_keys (user_id, fingerprint, type, blob, comment, added_at)
        VALUES (${record.userId}, ${record.fingerprint}, ${record.type},
          ${Buffer.from(record.blob)}, ${record.comment}, ${record.addedAt})`;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new OperationError("exists", `Key ${record.fingerprint} is already there`);
      }
      throw error;
    }
  }

  async list(userId: number): Promise<PublicKeyRecord[]> {
    return (await this.#sql<PublicKeyRecord[]>`
      SELECT ${this.#columns()} FROM public_keys WHERE user_id = ${userId}
      ORDER BY added_at, fingerprint`).map(plain);
  }

  async get(userId: number, fingerprint: string): Promise<PublicKeyRecord | undefined> {
    const [row] = await this.#sql<PublicKeyRecord[]>`
      SELECT ${this.#columns()} FROM public_keys
      WHERE user_id = ${userId} AND fingerprint = ${fingerprint}`;
    return row && plain(row);
  }

  async remove(userId: number, fingerprint: string): Promise<boolean> {
    const result = await this.#sql`
      DELETE FROM public_keys WHERE user_id = ${userId} AND fingerprint = ${fingerprint}`;
    return result.count > 0;
  }

  #columns() {
    return this.#sql`user_id AS "userId", fingerprint, type, blob, comment, added_at AS "addedAt"`;
  }
}

function plain(row: PublicKeyRecord): PublicKeyRecord {
  return { ...row, blob: new Uint8Array(row.blob) };
}
