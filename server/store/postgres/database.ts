/**
 * Connections to PostgreSQL (the `postgres` client, pure JavaScript) and the
 * schema's version: `migrate()` creates or upgrades it under an advisory lock,
 * so nodes starting together apply each migration once; every other opener
 * only checks that the schema is the one this build knows.
 */

import postgres from "postgres";
import { MIGRATIONS } from "./migrations.ts";
import { describeTarget, findPassword, type PostgresTarget } from "./url.ts";

/** Column types as this backend reads them: `bigint` as a number (bytes and times fit in 2^53). */
type Types = { bigint: number };

/** A connection pool, or one transaction of it. */
export type Sql = postgres.Sql<Types>;
/** The queries of one transaction. */
export type Tx = postgres.TransactionSql<Types>;

/** Connections each opener may hold at once (a server thread, a host command). */
const POOL_SIZE = 6;
/** Seconds to wait for a connection before giving up. */
const CONNECT_TIMEOUT_S = 10;

/** Key of the advisory lock held while migrating (fits a bigint; "ftpx" in ASCII). */
const MIGRATION_LOCK = 0x66747078;

/**
 * Namespaces of the two-key advisory locks that serialize a check-and-change
 * (the second key is a hash of the address, or 0).
 */
export const LOCKS = { sessions: 0x66747100, logins: 0x66747101, registrations: 0x66747102 };

/** Opens a pool of connections to `target` (connecting lazily, at the first query). */
export async function connect(target: PostgresTarget): Promise<Sql> {
  const password = await findPassword(target);
  // Every option is given, so the client reads none of the PG* variables but PGAPPNAME.
  return postgres({
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    pass: () => password ?? "",
    path: undefined,
    ssl: false,
    max: POOL_SIZE,
    idle_timeout: undefined,
    connect_timeout: CONNECT_TIMEOUT_S,
    max_lifetime: null,
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 5),
    keep_alive: 60,
    prepare: true,
    debug: false,
    fetch_types: false,
    publications: "alltables",
    target_session_attrs: "read-write",
    onnotice: () => {},
    connection: { application_name: "ftpx" },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (raw: string) => Number(raw),
      },
    },
    // Options the client reads but does not declare.
    ...{ max_pipeline: 100, sslnegotiation: null },
  });
}

/** The schema version of the database; 0 when no ftpx schema is there yet. */
export async function schemaVersion(sql: Sql | Tx): Promise<number> {
  const [table] = await sql<{ found: string | null }[]>`
    SELECT to_regclass('ftpx_schema')::text AS found`;
  if (!table?.found) return 0;
  const [row] = await sql<{ version: number }[]>`SELECT version FROM ftpx_schema`;
  return row?.version ?? 0;
}

/**
 * Creates or upgrades the schema, idempotently: under an advisory lock, in
 * one transaction, so of several nodes starting at once one migrates and the
 * others then find the schema current. Returns the versions before and after.
 */
export async function migrate(
  sql: Sql,
  target: PostgresTarget,
): Promise<{ from: number; to: number }> {
  return await withReachable(target, () =>
    sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      const from = await schemaVersion(tx);
      tooNew(from, target);
      if (from === 0) {
        await tx`CREATE TABLE ftpx_schema (
          id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)`;
        await tx`INSERT INTO ftpx_schema (id, version) VALUES (1, 0)`;
      }
      for (let version = from + 1; version <= MIGRATIONS.length; version++) {
        await tx.unsafe(MIGRATIONS[version - 1]!).simple();
        await tx`UPDATE ftpx_schema SET version = ${version}`;
      }
      return { from, to: MIGRATIONS.length };
    }));
}

/** Throws unless the schema is exactly the one this build knows (a host command or server thread). */
export async function requireCurrentSchema(sql: Sql, target: PostgresTarget): Promise<void> {
  const version = await withReachable(target, () => schemaVersion(sql));
  tooNew(version, target);
  if (version < MIGRATIONS.length) {
    const where = describeTarget(target);
    throw new Error(
      version === 0
        ? `No ftpx schema in ${where}: run "ftpx migrate --db ${where}" (or start "ftpx serve" on it)`
        : `The ftpx schema in ${where} is at version ${version}, this ftpx needs ${MIGRATIONS.length}: ` +
          `run "ftpx migrate --db ${where}"`,
    );
  }
}

function tooNew(version: number, target: PostgresTarget): void {
  if (version > MIGRATIONS.length) {
    throw new Error(
      `The database ${describeTarget(target)} was written by a newer ftpx (schema ${version}, ` +
        `this build knows ${MIGRATIONS.length}): upgrade ftpx`,
    );
  }
}

/** Runs `work`; a failure to reach or log in to PostgreSQL becomes one clear sentence. */
export async function withReachable<T>(target: PostgresTarget, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const reason = unreachable(error);
    if (reason === null) throw error;
    throw new Error(`Cannot use PostgreSQL at ${describeTarget(target)}: ${reason}`);
  }
}

/** Why PostgreSQL could not be used at all, or null for any other error. */
function unreachable(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is it running, on that port?)";
    case "CONNECT_TIMEOUT":
      return "no answer (connect timeout)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host";
    case "28P01":
    case "28000":
      return `login refused (${message}): check the user and ${"FTPX_DB_PASSWORD"} or .pgpass`;
    case "3D000":
      return `${message} (create it first: createdb)`;
  }
  if (error instanceof Deno.errors.ConnectionRefused) {
    return "connection refused (is it running, on that port?)";
  }
  return null;
}

/** Error codes of a connection to PostgreSQL that was lost or could not be made. */
const CONNECTION_LOST_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
]);

/**
 * Whether `error` says PostgreSQL is out of reach (down, restarting, the
 * network cut), as opposed to a query that failed: worth a "try again"
 * rather than an internal error. The client reconnects by itself on the
 * next query.
 */
export function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (CONNECTION_LOST_CODES.has(code) || code.startsWith("08"))) {
    return true;
  }
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe;
}

/** Whether `error` is PostgreSQL's unique-violation error. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}
