/** Records of partial uploads in PostgreSQL (`partial_uploads`), shared by every node. */

import type { PartialRecord, PartialStore } from "../mod.ts";
import type { Sql } from "./database.ts";

/** Partial upload records of all users. */
export class PostgresPartialStore implements PartialStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async get(userId: number, path: string): Promise<PartialRecord | undefined> {
    const [row] = await this.#sql<PartialRecord[]>`
      SELECT ${this.#columns()} FROM partial_uploads WHERE user_id = ${userId} AND path = ${path}`;
    return row && { ...row };
  }

  async save(record: Omit<PartialRecord, "updatedAt">): Promise<void> {
    await this.#sql`
      INSERT INTO partial_uploads (user_id, path, partial, size, source, updated_at)
      VALUES (${record.userId}, ${record.path}, ${record.partial}, ${record.size},
        ${record.source}, ${Date.now()})
      ON CONFLICT (user_id, path) DO UPDATE SET partial = excluded.partial,
        size = excluded.size, source = excluded.source, updated_at = excluded.updated_at`;
  }

  async touch(userId: number, path: string): Promise<void> {
    await this.#sql`UPDATE partial_uploads SET updated_at = ${Date.now()}
      WHERE user_id = ${userId} AND path = ${path}`;
  }

  async delete(userId: number, path: string): Promise<void> {
    await this.#sql`DELETE FROM partial_uploads WHERE user_id = ${userId} AND path = ${path}`;
  }

  async staleSince(cutoff: number): Promise<PartialRecord[]> {
    return (await this.#sql<PartialRecord[]>`
      SELECT ${this.#columns()} FROM partial_uploads p WHERE updated_at < ${cutoff} AND NOT EXISTS
        (SELECT 1 FROM upload_reservations r WHERE r.user_id = p.user_id AND r.partial = p.partial)
      ORDER BY user_id, path`).map((row) => ({ ...row }));
  }

  #columns() {
    return this.#sql`user_id AS "userId", path, partial, size, source, updated_at AS "updatedAt"`;
  }
}
