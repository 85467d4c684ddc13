/**
 * Node leases in PostgreSQL (`nodes`): a row per node, renewed by its
 * heartbeat. Every time is the database's clock (`clock_timestamp()`), so
 * nodes whose clocks disagree still agree on who is late. Releasing marks
 * the row (`released_at`) in one statement, so of several live nodes one
 * wins each dead node; the row is cleared again only by that node joining,
 * and a node that finds itself released knows its lease is lost.
 */

import type { NodeLease, NodeRegistry } from "../mod.ts";
import type { Sql } from "./database.ts";

/** The leases of every node; this one's renewed on behalf of `node`. */
export class PostgresNodeRegistry implements NodeRegistry {
  readonly self: string;
  readonly shared = true;
  readonly #sql: Sql;

  /** Uses a connection pool, on behalf of `node`. */
  constructor(sql: Sql, node: string) {
    this.#sql = sql;
    this.self = node;
  }

  async join(): Promise<void> {
    await this.#sql`
      INSERT INTO nodes (node, started_at, last_seen) VALUES (${this.self}, ${this.#now()}, ${this.#now()})
      ON CONFLICT (node) DO UPDATE SET started_at = excluded.started_at,
        last_seen = excluded.last_seen, released_at = NULL`;
  }

  async heartbeat(): Promise<boolean> {
    const renewed = await this.#sql`UPDATE nodes SET last_seen = ${this.#now()}
      WHERE node = ${this.self} AND released_at IS NULL`;
    return renewed.count === 1;
  }

  async releaseExpired(leaseMs: number): Promise<string[]> {
    const rows = await this.#sql<{ node: string }[]>`
      UPDATE nodes SET released_at = ${this.#now()}
      WHERE released_at IS NULL AND node <> ${this.self} AND last_seen < ${this.#now()} - ${leaseMs}
      RETURNING node`;
    return rows.map((row) => row.node).sort();
  }

  async releasedWithLeftovers(): Promise<string[]> {
    const rows = await this.#sql<{ node: string }[]>`
      SELECT node FROM nodes n WHERE released_at IS NOT NULL AND (
        EXISTS (SELECT 1 FROM live_sessions s WHERE s.node = n.node) OR
        EXISTS (SELECT 1 FROM upload_reservations r WHERE r.node = n.node))
      ORDER BY node`;
    return rows.map((row) => row.node);
  }

  async list(): Promise<NodeLease[]> {
    return (await this.#sql<NodeLease[]>`
      SELECT node, ${this.#now()} - last_seen AS age, released_at IS NOT NULL AS released
      FROM nodes ORDER BY node`).map((row) => ({ ...row }));
  }

  /** The database's clock in milliseconds since the epoch: one clock for every node. */
  #now() {
    return this.#sql`(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
  }
}
