/** Self-registration attempts per address in PostgreSQL (`registrations`), counted across nodes. */

import type { RegistrationStore } from "../mod.ts";
import { LOCKS, type Sql } from "./database.ts";

/** The registration rate limit's counts, shared by every node and restart. */
export class PostgresRegistrationStore implements RegistrationStore {
  readonly #sql: Sql;

  /** Uses a connection pool. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  take(
    address: string,
    options: { limit: number; windowMs: number; now: number },
  ): Promise<number> {
    const { limit, windowMs, now } = options;
    const windowStart = now - windowMs;
    return this.#sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCKS.registrations}, hashtext(${address}))`;
      await tx`DELETE FROM registrations WHERE at <= ${windowStart}`;
      const [row] = await tx<{ n: number; oldest: number | null }[]>`
        SELECT count(*) AS n, min(at) AS oldest FROM registrations
        WHERE address = ${address} AND at > ${windowStart}`;
      if (row!.n >= limit) return Math.max(1, row!.oldest! + windowMs - now);
      await tx`INSERT INTO registrations (address, at) VALUES (${address}, ${now})`;
      return 0;
    });
  }
}
