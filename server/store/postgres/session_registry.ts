/**
 * Live sessions of every node in PostgreSQL (`live_sessions`). The limits
 * count every node's sessions; opening one takes an advisory lock first, so
 * two nodes can't both take the last slot. A node starting up forgets only
 * its own rows (left by its previous run).
 */

import type { LiveSession, SessionLimits, SessionRegistry } from "../mod.ts";
import { LOCKS, type Sql, type Tx } from "./database.ts";

/** Records sessions of one node's server threads in the shared table. */
export class PostgresSessionRegistry implements SessionRegistry {
  readonly #sql: Sql;
  readonly #node: string;

  /** Uses a connection pool, on behalf of `node`. */
  constructor(sql: Sql, node: string) {
    this.#sql = sql;
    this.#node = node;
  }

  async reset(): Promise<void> {
    await this.#sql`DELETE FROM live_sessions WHERE node = ${this.#node}`;
  }

  openWithin(
    address: string,
    port: number,
    protocol: string,
    limits: SessionLimits,
  ): Promise<{ id: number } | { full: "total" | "address"; count: number }> {
    return this.#sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${LOCKS.sessions}, 0)`;
      const total = await countOf(tx, null);
      if (total >= limits.maxTotal) return { full: "total" as const, count: total };
      const fromAddress = await countOf(tx, address);
      if (fromAddress >= limits.maxPerAddress) {
        return { full: "address" as const, count: fromAddress };
      }
      const [row] = await tx<{ id: number }[]>`
        INSERT INTO live_sessions (node, address, port, protocol, since)
        VALUES (${this.#node}, ${address}, ${port}, ${protocol}, ${Date.now()})
        RETURNING id`;
      return { id: row!.id };
    });
  }

  async setUser(id: number, user: string): Promise<void> {
    await this.#sql`UPDATE live_sessions SET username = ${user} WHERE id = ${id}`;
  }

  async setActivity(id: number, activity: string | null): Promise<void> {
    await this.#sql`UPDATE live_sessions SET activity = ${activity} WHERE id = ${id}`;
  }

  async close(id: number): Promise<void> {
    await this.#sql`DELETE FROM live_sessions WHERE id = ${id}`;
  }

  async closeReleased(node: string): Promise<number> {
    // One statement: once the node has joined again its new sessions are not touched.
    const gone = await this.#sql`DELETE FROM live_sessions WHERE node = ${node} AND EXISTS
      (SELECT 1 FROM nodes WHERE nodes.node = ${node} AND released_at IS NOT NULL)`;
    return gone.count;
  }

  countByAddress(address: string): Promise<number> {
    return countOf(this.#sql, address);
  }

  count(): Promise<number> {
    return countOf(this.#sql, null);
  }

  async list(): Promise<LiveSession[]> {
    return (await this.#sql<LiveSession[]>`
      SELECT id, node, address, port, protocol, username AS user, since, activity
      FROM live_sessions ORDER BY since, id`).map((row) => ({ ...row }));
  }

  requestEnd(id: number): Promise<boolean> {
    return this.#sql.begin(async (tx) => {
      const rows = await tx`UPDATE live_sessions SET end_requested = true WHERE id = ${id}
        RETURNING id`;
      // Sessions recheck only when the account stamp moves: make it move.
      if (rows.length > 0) await tx`UPDATE account_changes SET version = version + 1 WHERE id = 1`;
      return rows.length > 0;
    });
  }

  async endRequested(id: number): Promise<boolean> {
    const [row] = await this.#sql<{ ended: boolean }[]>`
      SELECT end_requested AS ended FROM live_sessions WHERE id = ${id}`;
    return row === undefined || row.ended;
  }
}

/** Sessions from `address`, or of everyone when null. */
async function countOf(sql: Sql | Tx, address: string | null): Promise<number> {
  const [row] = address === null
    ? await sql<{ n: number }[]>`SELECT count(*) AS n FROM live_sessions`
    : await sql<
      { n: number }[]
    >`SELECT count(*) AS n FROM live_sessions WHERE address = ${address}`;
  return row!.n;
}
