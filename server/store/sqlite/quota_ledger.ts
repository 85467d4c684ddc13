/**
 * Quotas and used space. `users.used_bytes` is the apparent size of every
 * regular file in a home, partial uploads included, kept up to date
 * incrementally by whoever changes the home. An upload in flight also holds
 * a reservation for the bytes it may still write, in `upload_reservations`,
 * so uploads on different server threads can't jointly exceed a quota:
 * every check-and-reserve runs in one IMMEDIATE transaction. Reservations
 * belong to live sessions; at server start {@linkcode QuotaLedger.recover}
 * charges what crashed uploads had written and drops their reservations.
 */

import type { DatabaseSync } from "node:sqlite";
import { formatSize } from "../../../protocol/size.ts";
import { inTransaction, statement } from "./database.ts";
import { OperationError } from "../../core/errors.ts";

/** Space held by one upload in flight. */
export interface Reservation {
  readonly id: number;
  readonly userId: number;
  /** The partial file's name (unique per user while the upload runs). */
  readonly partial: string;
  /** Partial length already counted in `used_bytes` when the upload began. */
  readonly base: number;
  /** Bytes this upload may write past `base`. */
  reserved: number;
  /**
   * Bytes counted in used space that this upload's commit will free: the
   * file it copied to append to, which its result replaces. Not counted
   * against the quota in this upload's own checks.
   */
  readonly credit: number;
}

/** A user's space: used, reserved by uploads in flight, and the quota (0 = unlimited). */
export interface Usage {
  used: number;
  reserved: number;
  quota: number;
}

/** What {@linkcode QuotaLedger.reserve} needs. */
export interface ReserveOptions {
  /** Partial file the upload writes. */
  partial: string;
  /** Partial length the upload starts from. */
  base: number;
  /** Bytes to reserve past `base`. */
  bytes: number;
  /** Change to apply to used space at once (negative when an old partial is cut to `base`). */
  usedDelta?: number;
  /** See {@linkcode Reservation.credit}; default 0. */
  credit?: number;
  /** Names the upload in errors, e.g. `"/docs/a.pdf"`. */
  what: string;
}

interface ReservationRow {
  id: number;
  userId: number;
  partial: string;
  base: number;
}

/** Used space and reservations of all users, shared by all server threads through SQLite. */
export class QuotaLedger {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Settles reservations left by a server that stopped without ending its
   * uploads: what each wrote (its partial's length now, minus its base) is
   * added to used space, then every reservation is dropped. Run at start,
   * before any session.
   */
  static async recover(
    db: DatabaseSync,
    partialLength: (userId: number, partial: string) => Promise<number>,
  ): Promise<number> {
    const rows = statement(
      db,
      "SELECT id, user_id AS userId, partial, base FROM upload_reservations",
    ).all() as unknown as ReservationRow[];
    for (const row of rows) {
      const length = await partialLength(row.userId, row.partial).catch(() => row.base);
      inTransaction(db, () => {
        addUsed(db, row.userId, length - row.base);
        statement(db, "DELETE FROM upload_reservations WHERE id = ?").run(row.id);
      });
    }
    return rows.length;
  }

  /** A user's current usage. */
  usage(userId: number): Usage {
    const row = statement(
      this.#db,
      `SELECT used_bytes AS used, quota_bytes AS quota,
         (SELECT coalesce(sum(reserved), 0) FROM upload_reservations WHERE user_id = users.id)
           AS reserved
       FROM users WHERE id = ?`,
    ).get(userId) as Usage | undefined;
    return row ?? { used: 0, reserved: 0, quota: 0 };
  }

  /** Throws `quota_exceeded` unless `bytes` more would fit now (reserves nothing). */
  check(userId: number, bytes: number, what: string): void {
    requireRoom(this.usage(userId), bytes, what);
  }

  /** Atomically checks that `bytes` fit and reserves them for an upload. */
  reserve(userId: number, options: ReserveOptions): Reservation {
    return inTransaction(this.#db, () => {
      const usage = this.usage(userId);
      const delta = options.usedDelta ?? 0;
      const credit = options.credit ?? 0;
      requireRoom({ ...usage, used: usage.used + delta - credit }, options.bytes, options.what);
      let id: number;
      try {
        id = Number(
          statement(
            this.#db,
            `INSERT INTO upload_reservations (user_id, partial, base, reserved, created_at)
             VALUES (?, ?, ?, ?, ?)`,
          ).run(userId, options.partial, options.base, options.bytes, Date.now()).lastInsertRowid,
        );
      } catch (error) {
        if (!String(error).includes("UNIQUE")) throw error;
        throw new OperationError(
          "exists",
          `Cannot upload ${options.what}: another upload to it is in progress`,
        );
      }
      addUsed(this.#db, userId, delta);
      return {
        id,
        userId,
        partial: options.partial,
        base: options.base,
        reserved: options.bytes,
        credit,
      };
    });
  }

  /** Atomically grows a reservation by `bytes` (uploads of unknown size), or throws `quota_exceeded`. */
  extend(reservation: Reservation, bytes: number, what: string): void {
    inTransaction(this.#db, () => {
      const usage = this.usage(reservation.userId);
      requireRoom({ ...usage, used: usage.used - reservation.credit }, bytes, what);
      statement(this.#db, "UPDATE upload_reservations SET reserved = reserved + ? WHERE id = ?")
        .run(bytes, reservation.id);
    });
    reservation.reserved += bytes;
  }

  /**
   * Ends a reservation: used space grows by `usedDelta` (what the upload left
   * on disk minus its base, minus any file its commit replaced).
   */
  settle(reservation: Reservation, usedDelta: number): void {
    inTransaction(this.#db, () => {
      addUsed(this.#db, reservation.userId, usedDelta);
      statement(this.#db, "DELETE FROM upload_reservations WHERE id = ?").run(reservation.id);
    });
  }

  /** Changes used space (after rm, rmdir -r, a replacing mv...), never below 0. */
  adjust(userId: number, delta: number): void {
    addUsed(this.#db, userId, delta);
  }
}

function addUsed(db: DatabaseSync, userId: number, delta: number): void {
  if (delta === 0) return;
  statement(db, "UPDATE users SET used_bytes = max(0, used_bytes + ?) WHERE id = ?").run(
    delta,
    userId,
  );
}

function requireRoom(usage: Usage, bytes: number, what: string): void {
  if (usage.quota === 0 || usage.used + usage.reserved + bytes <= usage.quota) return;
  const inFlight = usage.reserved > 0
    ? ` (+${formatSize(usage.reserved)} held by uploads in progress)`
    : "";
  throw new OperationError(
    "quota_exceeded",
    `Cannot upload ${what}: quota exceeded, ${formatSize(usage.used)} used${inFlight} of ${
      formatSize(usage.quota)
    } allowed`,
  );
}
