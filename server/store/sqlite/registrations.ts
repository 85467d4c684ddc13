/** Self-registration attempts per address in SQLite (`registrations`). */

import type { DatabaseSync } from "node:sqlite";
import type { RegistrationStore } from "../mod.ts";
import { settled } from "./_async.ts";
import { inTransaction, statement } from "./database.ts";

/** The registration rate limit's counts, shared by every thread and restart. */
export class SqliteRegistrationStore implements RegistrationStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  take(
    address: string,
    options: { limit: number; windowMs: number; now: number },
  ): Promise<number> {
    const { limit, windowMs, now } = options;
    const windowStart = now - windowMs;
    return settled(() =>
      inTransaction(this.#db, () => {
        statement(this.#db, "DELETE FROM registrations WHERE at <= ?").run(windowStart);
        const row = statement(
          this.#db,
          "SELECT count(*) AS n, min(at) AS oldest FROM registrations WHERE address = ? AND at > ?",
        ).get(address, windowStart) as { n: number; oldest: number | null };
        if (row.n >= limit) return Math.max(1, row.oldest! + windowMs - now);
        statement(this.#db, "INSERT INTO registrations (address, at) VALUES (?, ?)").run(
          address,
          now,
        );
        return 0;
      })
    );
  }
}
