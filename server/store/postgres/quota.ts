/**
 * The quota ledger in PostgreSQL: `users.used_bytes` and
 * `upload_reservations`. A reservation locks the user's row (`FOR UPDATE`)
 * before it sums what is held, so uploads on any node take space one at a
 * time and can't jointly exceed a quota.
 */

import { OperationError } from "../../core/errors.ts";
import type { LeftReservation, QuotaLedger, Reservation, ReserveOptions, Usage } from "../mod.ts";
import { requireRoom } from "../quota_room.ts";
import { isUniqueViolation, type Sql, type Tx } from "./database.ts";

/** Used space and reservations of all users; this node's reservations carry its name. */
export class PostgresQuotaLedger implements QuotaLedger {
  readonly #sql: Sql;
  readonly #node: string;

  /** Uses a connection pool, on behalf of `node`. */
  constructor(sql: Sql, node: string) {
    this.#sql = sql;
    this.#node = node;
  }

  usage(userId: number): Promise<Usage> {
    return usageOf(this.#sql, userId, false);
  }

  async check(userId: number, bytes: number, what: string): Promise<void> {
    requireRoom(await this.usage(userId), bytes, what);
  }

  reserve(userId: number, options: ReserveOptions): Promise<Reservation> {
    const delta = options.usedDelta ?? 0;
    const credit = options.credit ?? 0;
    return this.#sql.begin(async (tx) => {
      const usage = await usageOf(tx, userId, true);
      requireRoom({ ...usage, used: usage.used + delta - credit }, options.bytes, options.what);
      let id: number;
      try {
        const [row] = await tx<{ id: number }[]>`
          INSERT INTO upload_reservations (node, user_id, partial, base, reserved, created_at)
          VALUES (${this.#node}, ${userId}, ${options.partial}, ${options.base}, ${options.bytes},
            ${Date.now()})
          RETURNING id`;
        id = row!.id;
      } catch (error) {
        // The transaction is rolled back either way.
        if (!isUniqueViolation(error)) throw error;
        throw new OperationError(
          "exists",
          `Cannot upload ${options.what}: another upload to it is in progress`,
        );
      }
      await addUsed(tx, userId, delta);
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

  async extend(reservation: Reservation, bytes: number, what: string): Promise<void> {
    await this.#sql.begin(async (tx) => {
      const usage = await usageOf(tx, reservation.userId, true);
      requireRoom({ ...usage, used: usage.used - reservation.credit }, bytes, what);
      await tx`UPDATE upload_reservations SET reserved = reserved + ${bytes}
        WHERE id = ${reservation.id}`;
    });
    reservation.reserved += bytes;
  }

  settle(reservation: Reservation, usedDelta: number): Promise<void> {
    return this.settleLeft(reservation, usedDelta);
  }

  adjust(userId: number, delta: number): Promise<void> {
    return addUsed(this.#sql, userId, delta);
  }

  /** This node's reservations: another node's are its uploads in flight. */
  async leftReservations(): Promise<LeftReservation[]> {
    return [
      ...await this.#sql<LeftReservation[]>`
        SELECT id, user_id AS "userId", partial, base FROM upload_reservations
        WHERE node = ${this.#node} ORDER BY id`,
    ];
  }

  /** Read in one statement with the node's state: a node that joined again has none to give. */
  async releasedReservations(node: string): Promise<LeftReservation[]> {
    return [
      ...await this.#sql<LeftReservation[]>`
        SELECT r.id, r.user_id AS "userId", r.partial, r.base
        FROM upload_reservations r JOIN nodes n ON n.node = r.node
        WHERE r.node = ${node} AND n.released_at IS NOT NULL ORDER BY r.id`,
    ];
  }

  async settleLeft(reservation: { id: number; userId: number }, usedDelta: number): Promise<void> {
    await this.#sql.begin(async (tx) => {
      const gone = await tx`DELETE FROM upload_reservations WHERE id = ${reservation.id}`;
      // Charged once, even if two callers settle the same reservation.
      if (gone.count === 1) await addUsed(tx, reservation.userId, usedDelta);
    });
  }
}

/** A user's usage; with `lock`, the user's row stays locked until the transaction ends. */
async function usageOf(sql: Sql | Tx, userId: number, lock: boolean): Promise<Usage> {
  const [user] = lock
    ? await sql<{ used: number; quota: number }[]>`
      SELECT used_bytes AS used, quota_bytes AS quota FROM users WHERE id = ${userId} FOR UPDATE`
    : await sql<{ used: number; quota: number }[]>`
      SELECT used_bytes AS used, quota_bytes AS quota FROM users WHERE id = ${userId}`;
  if (!user) return { used: 0, reserved: 0, quota: 0 };
  const [held] = await sql<{ reserved: number }[]>`
    SELECT coalesce(sum(reserved), 0)::bigint AS reserved
    FROM upload_reservations WHERE user_id = ${userId}`;
  return { used: user.used, quota: user.quota, reserved: held!.reserved };
}

async function addUsed(sql: Sql | Tx, userId: number, delta: number): Promise<void> {
  if (delta === 0) return;
  await sql`UPDATE users SET used_bytes = greatest(0, used_bytes + ${delta}) WHERE id = ${userId}`;
}
