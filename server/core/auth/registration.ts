/**
 * The rate limit on self-registration: attempts per client address within a
 * sliding window, counted in the database so every server thread (and every
 * restart) sees the same figures.
 */

import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "../../store/sqlite/database.ts";

/** How many attempts one address may make, and over how long. */
export interface RegistrationLimit {
  /** Attempts allowed per address within the window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/**
 * Counts an attempt from `address` if it is under the limit. Returns 0 when
 * the attempt may go ahead, else the milliseconds until the oldest counted
 * attempt leaves the window. Old attempts of every address are forgotten on
 * the way, so the table stays small.
 */
export function takeRegistrationSlot(
  db: DatabaseSync,
  address: string,
  options: RegistrationLimit & { now?: number },
): number {
  const now = options.now ?? Date.now();
  const windowStart = now - options.windowMs;
  return inTransaction(db, () => {
    db.prepare("DELETE FROM registrations WHERE at <= ?").run(windowStart);
    const row = db.prepare(
      "SELECT count(*) AS n, min(at) AS oldest FROM registrations WHERE address = ? AND at > ?",
    ).get(address, windowStart) as { n: number; oldest: number | null };
    if (row.n >= options.limit) return Math.max(1, row.oldest! + options.windowMs - now);
    db.prepare("INSERT INTO registrations (address, at) VALUES (?, ?)").run(address, now);
    return 0;
  });
}
