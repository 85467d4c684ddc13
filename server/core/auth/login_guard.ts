/**
 * Brute-force defence for logins, per client address and shared by every
 * server thread and both protocols (state lives in the database):
 *
 * - at most `loginAttemptsPerMinute` attempts from one address per minute;
 * - each failure is answered after a delay that doubles with the address's
 *   recent failures, so guessing gets slower the longer it goes on;
 * - `loginBanFailures` failures within `loginBanTime` seconds ban the address
 *   for `loginBanTime` seconds: no login at all, even with the right password.
 *
 * A caller asks {@linkcode LoginGuard.begin} before checking a password (which
 * records the attempt, so parallel connections cannot race past the limit),
 * then reports the outcome with {@linkcode LoginGuard.fail} or
 * {@linkcode LoginGuard.succeed}. Nothing here knows about frames or FTP.
 */

import type { DatabaseSync } from "node:sqlite";
import type { ServerConfig } from "../config.ts";
import { inTransaction } from "../../store/sqlite/database.ts";
import type { Logger } from "../log.ts";

/** The settings the guard applies. */
export type LoginPolicy = Pick<
  ServerConfig,
  "loginAttemptsPerMinute" | "loginBanFailures" | "loginBanTime"
>;

/** First delay after a failure; it doubles with each recent failure from the same address. */
export const BASE_FAILURE_DELAY_MS = 400;
/** The delay never grows past this, so a session is never held for long. */
export const MAX_FAILURE_DELAY_MS = 10_000;

const MINUTE_MS = 60_000;

/** Whether a login may be attempted now; a refusal carries a message for the client. */
export type LoginGate =
  | { allowed: true; attempt: number }
  | { allowed: false; reason: "banned" | "rate"; message: string; retryAfterSeconds: number };

/** What a failure costs: how long to wait before answering, and whether it got the address banned. */
export interface FailureOutcome {
  delayMs: number;
  /** Failures from this address within the ban window, this one included. */
  recentFailures: number;
  banned: boolean;
}

/** Options for {@linkcode LoginGuard}. */
export interface LoginGuardOptions {
  /** Where bans are logged. */
  log: Logger;
  /** Clock, milliseconds since the epoch; tests pass their own. */
  now?: () => number;
}

/** Per-address login accounting in the shared database. */
export class LoginGuard {
  readonly #db: DatabaseSync;
  readonly #policy: LoginPolicy;
  readonly #log: Logger;
  readonly #now: () => number;

  /** Uses an open database connection (schema with `login_attempts` and `login_bans`). */
  constructor(db: DatabaseSync, policy: LoginPolicy, options: LoginGuardOptions) {
    this.#db = db;
    this.#policy = policy;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  /** Decides whether `address` may try a password now; if so, records the attempt. */
  begin(address: string): LoginGate {
    const now = this.#now();
    return inTransaction(this.#db, () => {
      this.#forgetOld(now);
      const ban = this.#db.prepare("SELECT until FROM login_bans WHERE address = ?")
        .get(address) as { until: number } | undefined;
      if (ban && ban.until > now) {
        const seconds = Math.ceil((ban.until - now) / 1000);
        return {
          allowed: false,
          reason: "banned",
          retryAfterSeconds: seconds,
          message: `Too many failed logins from ${address}: try again in ${describeWait(seconds)}`,
        };
      }
      const recent = this.#count("address = ? AND at > ?", address, now - MINUTE_MS);
      if (recent >= this.#policy.loginAttemptsPerMinute) {
        const oldest = this.#db.prepare(
          "SELECT min(at) AS at FROM login_attempts WHERE address = ? AND at > ?",
        ).get(address, now - MINUTE_MS) as { at: number };
        const seconds = Math.max(1, Math.ceil((oldest.at + MINUTE_MS - now) / 1000));
        return {
          allowed: false,
          reason: "rate",
          retryAfterSeconds: seconds,
          message: `Too many login attempts from ${address} ` +
            `(${this.#policy.loginAttemptsPerMinute} a minute): try again in ${
              describeWait(seconds)
            }`,
        };
      }
      const result = this.#db.prepare("INSERT INTO login_attempts (address, at) VALUES (?, ?)")
        .run(address, now);
      return { allowed: true, attempt: Number(result.lastInsertRowid) };
    });
  }

  /** Records a failed attempt; bans the address when it has failed too often. */
  fail(address: string): FailureOutcome {
    const now = this.#now();
    const windowMs = this.#policy.loginBanTime * 1000;
    return inTransaction(this.#db, () => {
      const failures = this.#count("address = ? AND at > ? AND ok = 0", address, now - windowMs);
      const delayMs = Math.min(
        BASE_FAILURE_DELAY_MS * 2 ** Math.max(0, failures - 1),
        MAX_FAILURE_DELAY_MS,
      );
      const banned = failures >= this.#policy.loginBanFailures;
      if (banned) {
        this.#db.prepare(
          `INSERT INTO login_bans (address, until, failures) VALUES (?, ?, ?)
           ON CONFLICT (address) DO UPDATE SET until = excluded.until, failures = excluded.failures`,
        ).run(address, now + windowMs, failures);
        // The slate is wiped so the ban, not old failures, decides what happens after it.
        this.#db.prepare("DELETE FROM login_attempts WHERE address = ?").run(address);
        this.#log.warn("address banned", {
          address,
          failures,
          seconds: this.#policy.loginBanTime,
        });
      }
      return { delayMs, recentFailures: failures, banned };
    });
  }

  /** Records that an attempt begun with {@linkcode LoginGuard.begin} succeeded. */
  succeed(attempt: number): void {
    this.#db.prepare("UPDATE login_attempts SET ok = 1 WHERE id = ?").run(attempt);
  }

  /** Drops attempts too old to matter and bans that have run out: the tables stay small. */
  #forgetOld(now: number): void {
    const keepMs = Math.max(MINUTE_MS, this.#policy.loginBanTime * 1000);
    this.#db.prepare("DELETE FROM login_attempts WHERE at <= ?").run(now - keepMs);
    this.#db.prepare("DELETE FROM login_bans WHERE until <= ?").run(now);
  }

  #count(where: string, ...params: (string | number)[]): number {
    const row = this.#db.prepare(`SELECT count(*) AS n FROM login_attempts WHERE ${where}`)
      .get(...params) as { n: number };
    return row.n;
  }
}

function describeWait(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
