/**
 * Live sessions of every server thread, kept in the database so all threads
 * (and admin commands) see the same list: for `who`, and for limits on
 * sessions per client address. The table is emptied when the server starts.
 */

import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "./database.ts";

/** One live session, as `who` shows it. */
export interface LiveSession {
  id: number;
  /** Client IP address. */
  address: string;
  port: number;
  /** `ftpx` (native) or `ftp`. */
  protocol: string;
  /** Logged-in user, or null before login. */
  user: string | null;
  /** Connection time, milliseconds since the epoch. */
  since: number;
  /** What the session is doing now, e.g. a transfer; null when idle. */
  activity: string | null;
}

/** Records sessions of one server thread in the shared table. */
export class SessionRegistry {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Forgets every session (at server start: rows left by a crash are stale). */
  static reset(db: DatabaseSync): void {
    db.exec("DELETE FROM live_sessions");
  }

  /** Records a new connection; returns its id. */
  open(address: string, port: number, protocol: string): number {
    const result = this.#db.prepare(
      "INSERT INTO live_sessions (address, port, protocol, since) VALUES (?, ?, ?, ?)",
    ).run(address, port, protocol, Date.now());
    return Number(result.lastInsertRowid);
  }

  /**
   * Records a new connection unless that would exceed `maxTotal` sessions in
   * all or `maxPerAddress` from `address`; counting and inserting happen in
   * one transaction, so threads accepting at once cannot overshoot.
   */
  openWithin(
    address: string,
    port: number,
    protocol: string,
    limits: { maxTotal: number; maxPerAddress: number },
  ): { id: number } | { full: "total" | "address"; count: number } {
    return inTransaction(this.#db, () => {
      const total = this.count();
      if (total >= limits.maxTotal) return { full: "total" as const, count: total };
      const fromAddress = this.countByAddress(address);
      if (fromAddress >= limits.maxPerAddress) {
        return { full: "address" as const, count: fromAddress };
      }
      return { id: this.open(address, port, protocol) };
    });
  }

  /** Records who logged in on a session. */
  setUser(id: number, user: string): void {
    this.#db.prepare("UPDATE live_sessions SET user = ? WHERE id = ?").run(user, id);
  }

  /** Records what a session is doing (null: idle). */
  setActivity(id: number, activity: string | null): void {
    this.#db.prepare("UPDATE live_sessions SET activity = ? WHERE id = ?").run(activity, id);
  }

  /** Forgets a closed session. */
  close(id: number): void {
    this.#db.prepare("DELETE FROM live_sessions WHERE id = ?").run(id);
  }

  /** Live sessions from one client address. */
  countByAddress(address: string): number {
    const row = this.#db.prepare("SELECT count(*) AS n FROM live_sessions WHERE address = ?")
      .get(address) as { n: number };
    return row.n;
  }

  /** All live sessions. */
  count(): number {
    const row = this.#db.prepare("SELECT count(*) AS n FROM live_sessions").get() as { n: number };
    return row.n;
  }

  /** Every live session, oldest first. */
  list(): LiveSession[] {
    return this.#db.prepare(
      "SELECT id, address, port, protocol, user, since, activity FROM live_sessions ORDER BY since, id",
    ).all() as unknown as LiveSession[];
  }
}
