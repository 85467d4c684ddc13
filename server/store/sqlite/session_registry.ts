/** Live sessions of every server thread in SQLite (`live_sessions`), emptied at server start. */

import type { DatabaseSync } from "node:sqlite";
import type { LiveSession, SessionLimits, SessionRegistry } from "../mod.ts";
import { settled } from "./_async.ts";
import { inTransaction, statement } from "./database.ts";

/** Records sessions of one server thread in the shared table. */
export class SqliteSessionRegistry implements SessionRegistry {
  readonly #db: DatabaseSync;
  readonly #node: string;

  /** Uses an open database connection; every session is `node`'s (one data dir, one node). */
  constructor(db: DatabaseSync, node: string) {
    this.#db = db;
    this.#node = node;
  }

  reset(): Promise<void> {
    return settled(() => this.#db.exec("DELETE FROM live_sessions"));
  }

  openWithin(
    address: string,
    port: number,
    protocol: string,
    limits: SessionLimits,
  ): Promise<{ id: number } | { full: "total" | "address"; count: number }> {
    return settled(() =>
      inTransaction(this.#db, () => {
        const total = this.#count();
        if (total >= limits.maxTotal) return { full: "total" as const, count: total };
        const fromAddress = this.#countByAddress(address);
        if (fromAddress >= limits.maxPerAddress) {
          return { full: "address" as const, count: fromAddress };
        }
        const result = statement(
          this.#db,
          "INSERT INTO live_sessions (address, port, protocol, since) VALUES (?, ?, ?, ?)",
        ).run(address, port, protocol, Date.now());
        return { id: Number(result.lastInsertRowid) };
      })
    );
  }

  setUser(id: number, user: string): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE live_sessions SET user = ? WHERE id = ?").run(user, id);
    });
  }

  setActivity(id: number, activity: string | null): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE live_sessions SET activity = ? WHERE id = ?").run(activity, id);
    });
  }

  close(id: number): Promise<void> {
    return settled(() => {
      statement(this.#db, "DELETE FROM live_sessions WHERE id = ?").run(id);
    });
  }

  /** One node: it is never released. */
  closeReleased(_node: string): Promise<number> {
    return Promise.resolve(0);
  }

  countByAddress(address: string): Promise<number> {
    return settled(() => this.#countByAddress(address));
  }

  count(): Promise<number> {
    return settled(() => this.#count());
  }

  list(): Promise<LiveSession[]> {
    return settled(() =>
      (statement(
        this.#db,
        "SELECT id, address, port, protocol, user, since, activity FROM live_sessions ORDER BY since, id",
      ).all() as unknown as Omit<LiveSession, "node">[]).map((row) => ({
        ...row,
        node: this.#node,
      }))
    );
  }

  requestEnd(id: number): Promise<boolean> {
    return settled(() =>
      statement(this.#db, "UPDATE live_sessions SET end_requested = 1 WHERE id = ?").run(id)
        .changes > 0
    );
  }

  endRequested(id: number): Promise<boolean> {
    return settled(() => {
      const row = statement(
        this.#db,
        "SELECT end_requested AS ended FROM live_sessions WHERE id = ?",
      )
        .get(id) as { ended: number } | undefined;
      return row === undefined || row.ended === 1;
    });
  }

  #countByAddress(address: string): number {
    const row = statement(this.#db, "SELECT count(*) AS n FROM live_sessions WHERE address = ?")
      .get(address) as { n: number };
    return row.n;
  }

  #count(): number {
    const row = statement(this.#db, "SELECT count(*) AS n FROM live_sessions").get() as {
      n: number;
    };
    return row.n;
  }
}
