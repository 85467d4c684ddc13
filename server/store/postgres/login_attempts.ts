/**
 * Login attempts and bans per client address in PostgreSQL (`login_attempts`,
 * `login_bans`), counted across nodes. Each check-and-change holds an
 * advisory lock on the address, so parallel attempts on any node are decided
 * one at a time.
 */

import type { AttemptGate, AttemptLimits, LoginAttemptStore } from "../mod.ts";
import { LOCKS, type Tx } from "./database.ts";
import type { Sql } from "./database.ts";

const MINUTE_MS = 60_000;

/** Per-address login accounting shared by every node. */
export class PostgresLoginAttemptStore implements LoginAttemptStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  begin(address: string, limits: AttemptLimits): Promise<AttemptGate> {
    const { now } = limits;
    return this.#sql.begin(async (tx): Promise<AttemptGate> => {
      await lockAddress(tx, address);
      await tx`DELETE FROM login_attempts WHERE at <= ${now - limits.keepMs}`;
      await tx`DELETE FROM login_bans WHERE until <= ${now}`;
      const [ban] = await tx<{ until: number }[]>`
        SELECT until FROM login_bans WHERE address = ${address}`;
      if (ban && ban.until > now) return { allowed: false, reason: "banned", until: ban.until };
      const lastMinute = await unsuccessful(tx, address, now - MINUTE_MS);
      if (lastMinute.n >= limits.perMinute) {
        return { allowed: false, reason: "rate", oldest: lastMinute.oldest ?? now };
      }
      const open = await unsuccessful(tx, address, now - limits.banWindowMs);
      if (open.n >= limits.maxOpen && open.pending > 0) return { allowed: false, reason: "busy" };
      const [row] = await tx<{ id: number }[]>`
        INSERT INTO login_attempts (address, at, pending) VALUES (${address}, ${now}, true)
        RETURNING id`;
      return { allowed: true, attempt: row!.id };
    });
  }

  fail(
    attempt: number,
    address: string,
    options: { now: number; windowMs: number; banAt: number; banUntil: number },
  ): Promise<{ failures: number; banned: boolean }> {
    return this.#sql.begin(async (tx) => {
      await lockAddress(tx, address);
      await tx`UPDATE login_attempts SET pending = false WHERE id = ${attempt}`;
      const [row] = await tx<{ n: number }[]>`
        SELECT count(*) AS n FROM login_attempts
        WHERE address = ${address} AND at > ${options.now - options.windowMs}
          AND NOT ok AND NOT pending`;
      const failures = row!.n;
      const banned = failures >= options.banAt;
      if (banned) {
        await tx`
          INSERT INTO login_bans (address, until, failures)
          VALUES (${address}, ${options.banUntil}, ${failures})
          ON CONFLICT (address) DO UPDATE SET until = excluded.until, failures = excluded.failures`;
        // The slate is wiped so the ban, not old failures, decides what happens after it.
        await tx`DELETE FROM login_attempts WHERE address = ${address}`;
      }
      return { failures, banned };
    });
  }

  async succeed(attempt: number): Promise<void> {
    await this.#sql`UPDATE login_attempts SET ok = true, pending = false WHERE id = ${attempt}`;
  }
}

/** Serializes check-and-changes on one address until the transaction ends. */
async function lockAddress(tx: Tx, address: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(${LOCKS.logins}, hashtext(${address}))`;
}

/** Failed and pending attempts from `address` since `since`. */
async function unsuccessful(
  tx: Tx,
  address: string,
  since: number,
): Promise<{ n: number; pending: number; oldest: number | null }> {
  const [row] = await tx<{ n: number; pending: number; oldest: number | null }[]>`
    SELECT count(*) AS n, count(*) FILTER (WHERE pending) AS pending, min(at) AS oldest
    FROM login_attempts WHERE address = ${address} AND at > ${since} AND NOT ok`;
  return row!;
}
