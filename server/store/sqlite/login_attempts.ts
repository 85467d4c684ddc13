/** Login attempts and bans per client address in SQLite (`login_attempts`, `login_bans`). */

import type { DatabaseSync } from "node:sqlite";
import type { AttemptGate, AttemptLimits, LoginAttemptStore } from "../mod.ts";
import { settled } from "./_async.ts";
import { inTransaction, statement } from "./database.ts";

const MINUTE_MS = 60_000;

/** Per-address login accounting shared by every server thread. */
export class SqliteLoginAttemptStore implements LoginAttemptStore {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  begin(address: string, limits: AttemptLimits): Promise<AttemptGate> {
    const { now } = limits;
    return settled(() =>
      inTransaction(this.#db, (): AttemptGate => {
        statement(this.#db, "DELETE FROM login_attempts WHERE at <= ?").run(now - limits.keepMs);
        statement(this.#db, "DELETE FROM login_bans WHERE until <= ?").run(now);
        const ban = statement(this.#db, "SELECT until FROM login_bans WHERE address = ?")
          .get(address) as { until: number } | undefined;
        if (ban && ban.until > now) return { allowed: false, reason: "banned", until: ban.until };
        const lastMinute = this.#unsuccessful(address, now - MINUTE_MS);
        if (lastMinute.n >= limits.perMinute) {
          return { allowed: false, reason: "rate", oldest: lastMinute.oldest ?? now };
        }
        const open = this.#unsuccessful(address, now - limits.banWindowMs);
        if (open.n >= limits.maxOpen && open.pending > 0) return { allowed: false, reason: "busy" };
        const result = statement(
          this.#db,
          "INSERT INTO login_attempts (address, at, pending) VALUES (?, ?, 1)",
        ).run(address, now);
        return { allowed: true, attempt: Number(result.lastInsertRowid) };
      })
    );
  }

  fail(
    attempt: number,
    address: string,
    options: { now: number; windowMs: number; banAt: number; banUntil: number },
  ): Promise<{ failures: number; banned: boolean }> {
    return settled(() =>
      inTransaction(this.#db, () => {
        statement(this.#db, "UPDATE login_attempts SET pending = 0 WHERE id = ?").run(attempt);
        const row = statement(
          this.#db,
          `SELECT count(*) AS n FROM login_attempts
           WHERE address = ? AND at > ? AND ok = 0 AND pending = 0`,
        ).get(address, options.now - options.windowMs) as { n: number };
        const failures = row.n;
        const banned = failures >= options.banAt;
        if (banned) {
          statement(
            this.#db,
            `INSERT INTO login_bans (address, until, failures) VALUES (?, ?, ?)
             ON CONFLICT (address) DO UPDATE SET until = excluded.until, failures = excluded.failures`,
          ).run(address, options.banUntil, failures);
          // The slate is wiped so the ban, not old failures, decides what happens after it.
          statement(this.#db, "DELETE FROM login_attempts WHERE address = ?").run(address);
        }
        return { failures, banned };
      })
    );
  }

  succeed(attempt: number): Promise<void> {
    return settled(() => {
      statement(this.#db, "UPDATE login_attempts SET ok = 1, pending = 0 WHERE id = ?")
        .run(attempt);
    });
  }

  /** Failed and pending attempts from `address` since `since`. */
  #unsuccessful(
    address: string,
    since: number,
  ): { n: number; pending: number; oldest: number | null } {
    return statement(
      this.#db,
      `SELECT count(*) AS n, coalesce(sum(pending), 0) AS pending, min(at) AS oldest
       FROM login_attempts WHERE address = ? AND at > ? AND ok = 0`,
    ).get(address, since) as { n: number; pending: number; oldest: number | null };
  }
}
