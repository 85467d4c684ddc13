/**
 * The quota ledger in SQLite: `users.used_bytes` and `upload_reservations`.
 * Every check-and-reserve runs in one IMMEDIATE transaction, so uploads on
 * different server threads can't jointly exceed a quota.
 */

import type { DatabaseSync } from "node:sqlite";
import { OperationError } from "../../core/errors.ts";
import type { LeftReservation, QuotaLedger, Reservation, ReserveOptions, Usage } from "../mod.ts";
import { requireRoom } from "../quota_room.ts";
import { settled } from "./_async.ts";
import { inTransaction, statement } from "./database.ts";

/** Used space and reservations of all users, shared by all server threads through SQLite. */
export class SqliteQuotaLedger implements QuotaLedger {
  readonly #db: DatabaseSync;

  /** Uses an open database connection. */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  usage(userId: number): Promise<Usage> {
    return settled(() => this.#usage(userId));
  }

  check(userId: number, bytes: number, what: string): Promise<void> {
    return settled(() => requireRoom(this.#usage(userId), bytes, what));
  }

  reserve(userId: number, options: ReserveOptions): Promise<Reservation> {
    return settled(() =>
      inTransaction(this.#db, () => {
        const usage = this.#usage(userId);
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
            ).run(userId, options.partial, options.base, options.bytes, Date.now())
              .lastInsertRowid,
          );
        } catch (error) {
          if (!String(error).includes("UNIQUE")) throw error;
          throw new OperationError(
            "exists",
            `Cannot upload ${options.what}: another upload to it is in progress`,
          );
        }
        this.#addUsed(userId, delta);
        return {
          id,
          userId,
          partial: options.partial,
          base: options.base,
          reserved: options.bytes,
          credit,
        };
      })
    );
  }

  extend(reservation: Reservation, bytes: number, what: string): Promise<void> {
    return settled(() => {
      inTransaction(this.#db, () => {
        const usage = this.#usage(reservation.userId);
        requireRoom({ ...usage, used: usage.used - reservation.credit }, bytes, what);
        statement(this.#db, "UPDATE upload_reservations SET reserved = reserved + ? WHERE id = ?")
          .run(bytes, reservation.id);
      });
      reservation.reserved += bytes;
    });
  }

  settle(reservation: Reservation, usedDelta: number): Promise<void> {
    return this.settleLeft(reservation, usedDelta);
  }

  adjust(userId: number, delta: number): Promise<void> {
    return settled(() => this.#addUsed(userId, delta));
  }

  leftReservations(): Promise<LeftReservation[]> {
    return settled(() =>
      statement(
        this.#db,
        "SELECT id, user_id AS userId, partial, base FROM upload_reservations",
      ).all() as unknown as LeftReservation[]
    );
  }

  /** One node: it is never released. */
  releasedReservations(_node: string): Promise<LeftReservation[]> {
    return Promise.resolve([]);
  }

  settleLeft(reservation: { id: number; userId: number }, usedDelta: number): Promise<void> {
    return settled(() =>
      inTransaction(this.#db, () => {
        this.#addUsed(reservation.userId, usedDelta);
        statement(this.#db, "DELETE FROM upload_reservations WHERE id = ?").run(reservation.id);
      })
    );
  }

  #usage(userId: number): Usage {
    const row = statement(
      this.#db,
      `SELECT used_bytes AS used, quota_bytes AS quota,
         (SELECT coalesce(sum(reserved), 0) FROM upload_reservations WHERE user_id = users.id)
           AS reserved
       FROM users WHERE id = ?`,
    ).get(userId) as Usage | undefined;
    return row ?? { used: 0, reserved: 0, quota: 0 };
  }

  #addUsed(userId: number, delta: number): void {
    if (delta === 0) return;
    statement(this.#db, "UPDATE users SET used_bytes = max(0, used_bytes + ?) WHERE id = ?").run(
      delta,
      userId,
    );
  }
}
