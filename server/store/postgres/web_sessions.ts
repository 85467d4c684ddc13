/** Browser sessions (`web_sessions`) and the recent administrator actions, in PostgreSQL. */

import {
  ADMIN_ACTIONS_KEPT,
  type AdminActionRecord,
  type AdminActionStore,
  type WebSessionRecord,
  type WebSessionStore,
} from "../mod.ts";
import type { Sql } from "./database.ts";

/** Browser sessions of the HTTP front, each tied to its live-session row, shared by all nodes. */
export class PostgresWebSessionStore implements WebSessionStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async create(record: WebSessionRecord): Promise<void> {
    await this.#sql`INSERT INTO web_sessions (token_hash, session_id, user_id, credential, csrf,
      created_at, expires_at) VALUES (${record.tokenHash}, ${record.sessionId}, ${record.userId},
      ${record.credential}, ${record.csrf}, ${record.createdAt}, ${record.expiresAt})`;
  }

  async get(tokenHash: string): Promise<WebSessionRecord | undefined> {
    const [row] = await this.#sql<WebSessionRecord[]>`
      SELECT token_hash AS "tokenHash", session_id AS "sessionId", user_id AS "userId",
        credential, csrf, created_at AS "createdAt", expires_at AS "expiresAt"
      FROM web_sessions WHERE token_hash = ${tokenHash}`;
    return row && { ...row };
  }

  async touch(tokenHash: string, expiresAt: number): Promise<void> {
    await this.#sql`UPDATE web_sessions SET expires_at = ${expiresAt}
      WHERE token_hash = ${tokenHash}`;
  }

  async delete(tokenHash: string): Promise<boolean> {
    // The web session goes with its live session (ON DELETE CASCADE).
    const rows = await this.#sql`DELETE FROM live_sessions WHERE id =
      (SELECT session_id FROM web_sessions WHERE token_hash = ${tokenHash}) RETURNING id`;
    return rows.length > 0;
  }

  async expire(now: number): Promise<number> {
    const rows = await this.#sql`DELETE FROM live_sessions WHERE id IN
      (SELECT session_id FROM web_sessions WHERE expires_at < ${now}) RETURNING id`;
    return rows.length;
  }
}

/** The newest administrator actions, of every node. */
export class PostgresAdminActionStore implements AdminActionStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async record(action: AdminActionRecord): Promise<void> {
    await this.#sql.begin(async (tx) => {
      const [row] = await tx<{ id: number }[]>`INSERT INTO admin_actions
        (at, by, peer, action, target, detail) VALUES (${action.at}, ${action.by}, ${action.peer},
        ${action.action}, ${action.target}, ${action.detail}) RETURNING id`;
      await tx`DELETE FROM admin_actions WHERE id <= ${row!.id - ADMIN_ACTIONS_KEPT}`;
    });
  }

  async recent(limit: number): Promise<AdminActionRecord[]> {
    return (await this.#sql<AdminActionRecord[]>`
      SELECT at, by, peer, action, target, detail FROM admin_actions
      ORDER BY id DESC LIMIT ${limit}`).map((row) => ({ ...row }));
  }
}
