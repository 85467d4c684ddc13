/** Browser sessions (`web_sessions`) and the recent administrator actions, in SQLite. */

import type { DatabaseSync } from "node:sqlite";
import {
  ADMIN_ACTIONS_KEPT,
  type AdminActionRecord,
  type AdminActionStore,
  type WebSessionRecord,
  type WebSessionStore,
} from "../mod.ts";
import { settled } from "./_async.ts";
import { inTransaction, statement } from "./database.ts";

const COLUMNS = `token_hash AS tokenHash, session_id AS sessionId, user_id AS userId,
  credential, csrf, created_at AS createdAt, expires_at AS expiresAt`;

/** Browser sessions of the HTTP front, each tied to its live-session row. */
export class SqliteWebSessionStore implements WebSessionStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  create(record: WebSessionRecord): Promise<void> {
    return settled(() => {
      statement(
        this.#db,
        `INSERT INTO web_sessions (token_hash, session_id, user_id, credential, csrf, created_at,
           expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.tokenHash,
        record.sessionId,
        record.userId,
        record.credential,
        record.csrf,
        record.createdAt,
        record.expiresAt,
      );
    });
  }

  get(tokenHash: string): Promise<WebSessionRecord | undefined> {
    return settled(() => {
      const row = statement(this.#db, `SELECT ${COLUMNS} FROM web_sessions WHERE token_hash = ?`)
        .get(tokenHash);
      return row === undefined ? undefined : { ...row } as unknown as WebSessionRecord;
    });
  }

  touch(tokenHash: string, expiresAt: number): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE web_sessions SET expires_at = ? WHERE token_hash = ?")
        .run(expiresAt, tokenHash);
    });
  }

  delete(tokenHash: string): Promise<boolean> {
    return settled(() =>
      inTransaction(this.#db, () => {
        const row = statement(
          this.#db,
          "SELECT session_id AS id FROM web_sessions WHERE token_hash = ?",
        )
          .get(tokenHash) as { id: number } | undefined;
        if (row === undefined) return false;
        // The web session goes with its live session (ON DELETE CASCADE).
        statement(this.#db, "DELETE FROM live_sessions WHERE id = ?").run(row.id);
        statement(this.#db, "DELETE FROM web_sessions WHERE token_hash = ?").run(tokenHash);
        return true;
      })
    );
  }

  expire(now: number): Promise<number> {
    return settled(() =>
      inTransaction(this.#db, () => {
        const ids = statement(
          this.#db,
          "SELECT session_id AS id FROM web_sessions WHERE expires_at < ?",
        )
          .all(now) as { id: number }[];
        const remove = statement(this.#db, "DELETE FROM live_sessions WHERE id = ?");
        for (const { id } of ids) remove.run(id);
        statement(this.#db, "DELETE FROM web_sessions WHERE expires_at < ?").run(now);
        return ids.length;
      })
    );
  }
}

/** The newest administrator actions. */
export class SqliteAdminActionStore implements AdminActionStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  record(action: AdminActionRecord): Promise<void> {
    return settled(() =>
      inTransaction(this.#db, () => {
        const { lastInsertRowid } = statement(
          this.#db,
          "INSERT INTO admin_actions (at, by, peer, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(action.at, action.by, action.peer, action.action, action.target, action.detail);
        statement(this.#db, "DELETE FROM admin_actions WHERE id <= ?")
          .run(Number(lastInsertRowid) - ADMIN_ACTIONS_KEPT);
      })
    );
  }

  recent(limit: number): Promise<AdminActionRecord[]> {
    return settled(() =>
      (statement(
        this.#db,
        "SELECT at, by, peer, action, target, detail FROM admin_actions ORDER BY id DESC LIMIT ?",
      ).all(limit) as unknown as AdminActionRecord[]).map((row) => ({ ...row }))
    );
  }
}
