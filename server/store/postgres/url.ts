/**
 * The `db` setting: `postgres://USER@HOST:PORT/DB`, never with a password
 * (command lines and config files are read by others, and end up in logs).
 * The password comes from `FTPX_DB_PASSWORD`, else a `.pgpass` file.
 */

import { join } from "node:path";

/** Where a PostgreSQL database is, as `db` names it. */
export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  /**
   * The password, when code has it in hand (tests: the process's
   * environment is shared by every test running at once). Never read from
   * a URL; an operator gives it through `FTPX_DB_PASSWORD` or `.pgpass`.
   */
  password?: string;
}

/** The default PostgreSQL port, used when the URL names none. */
export const DEFAULT_POSTGRES_PORT = 5432;

/** Environment variable holding the database password. */
export const PASSWORD_ENV = "FTPX_DB_PASSWORD";

/** Whether a `db` value names PostgreSQL (else it is not a database URL at all). */
export function isPostgresUrl(raw: string): boolean {
  return /^postgres(ql)?:\/\//i.test(raw);
}

/**
 * Parses `postgres://USER@HOST[:PORT]/DB`. Throws a `RangeError` saying what
 * is wrong; its message never repeats a password the URL carried.
 */
export function parseDbUrl(raw: string): PostgresTarget {
  if (!isPostgresUrl(raw)) {
    throw new RangeError("expected postgres://USER@HOST:PORT/DB");
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RangeError("expected postgres://USER@HOST:PORT/DB");
  }
  if (url.password !== "") {
    throw new RangeError(
      `a password in the URL is refused (it would show in process lists and logs): ` +
        `set ${PASSWORD_ENV} or use a .pgpass file`,
    );
  }
  if (url.username === "") throw new RangeError("the URL names no user (postgres://USER@HOST/DB)");
  if (url.hostname === "") throw new RangeError("the URL names no host");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw new RangeError("the URL names no database (postgres://USER@HOST:PORT/DB)");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new RangeError("the URL takes no options (?...): only postgres://USER@HOST:PORT/DB");
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? DEFAULT_POSTGRES_PORT : Number(url.port),
    user: decodeURIComponent(url.username),
    database,
  };
}

/** A URL for messages and logs: the target as parsed, which never holds a password. */
export function describeTarget(target: PostgresTarget): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return `postgres://${encodeURIComponent(target.user)}@${host}:${target.port}/${
    encodeURIComponent(target.database)
  }`;
}

/** A `db` value fit to print: any password in it replaced by `***`. */
export function redactDbUrl(raw: string): string {
  return raw.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}

/**
 * The password for `target`: `FTPX_DB_PASSWORD` when set, else the first
 * matching line of the `.pgpass` file (`PGPASSFILE`, else `~/.pgpass`), else
 * undefined (the server may not ask for one). A `.pgpass` that others can
 * read is refused, as libpq ignores it.
 */
export async function findPassword(target: PostgresTarget): Promise<string | undefined> {
  if (target.password !== undefined) return target.password;
  const fromEnv = Deno.env.get(PASSWORD_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const file = Deno.env.get("PGPASSFILE") ?? homePgpass();
  if (file === undefined) return undefined;
  let text: string;
  try {
    const info = await Deno.stat(file);
    if (!info.isFile) return undefined;
    if (info.mode !== null && (info.mode & 0o077) !== 0) {
      throw new Error(`Password file "${file}" is readable by others: chmod 600 it`);
    }
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return passwordFromPgpass(text, target);
}

function homePgpass(): string | undefined {
  const home = Deno.env.get("HOME");
  return home ? join(home, ".pgpass") : undefined;
}

/**
 * The password of the first `host:port:database:user:password` line that
 * matches `target` (`*` matches anything; `\:` and `\\` escape), as libpq
 * reads `.pgpass`.
 */
export function passwordFromPgpass(text: string, target: PostgresTarget): string | undefined {
  const wanted = [target.host, String(target.port), target.database, target.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const fields = splitPgpassLine(line);
    if (fields.length < 5) continue;
    const matches = wanted.every((value, index) => {
      const field = fields[index]!;
      return field === "*" || field === value;
    });
    if (matches) return fields[4];
  }
  return undefined;
}

function splitPgpassLine(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === "\\" && index + 1 < line.length) {
      current += line[++index];
    } else if (char === ":" && fields.length < 4) {
      fields.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields;
}
