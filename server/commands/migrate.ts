/** `ftpx migrate`: create or upgrade the PostgreSQL schema of the accounts. */

import { expectPositionals, parseFlags, stringFlag } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { loadConfig } from "../core/config.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Create or upgrade the PostgreSQL schema (on a server host)";

/** Text for `ftpx migrate --help`. */
export const HELP = `Usage: ftpx migrate [--db URL] [options]

Create the ftpx schema in a PostgreSQL database, or upgrade it to this
version of ftpx. Safe to run again, and while other nodes start: an
advisory lock lets one migration run at a time. "ftpx serve" does the same
at start. The SQLite database in a data dir is migrated when opened.

Options:
  --db URL           postgres://USER@HOST:PORT/DB (default: db in the config
                     file); password from FTPX_DB_PASSWORD or .pgpass
  --config FILE      INI file (default conf/server.ini, if present)
  -h, --help         Show this help
`;

/** Migrates and says from which version to which. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { db: { type: "string" }, config: { type: "string" } });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  expectPositionals(parsed, []);
  const config = await loadConfig({
    configPath: stringFlag(parsed, "config"),
    overrides: { db: stringFlag(parsed, "db") },
  });
  if (config.db === null) {
    throw new UsageError("No PostgreSQL database named: give --db postgres://USER@HOST:PORT/DB");
  }
  const { describeTarget, migratePostgres, parseDbUrl } = await import("../store/postgres/mod.ts");
  const target = parseDbUrl(config.db);
  const { from, to } = await migratePostgres(target);
  const where = describeTarget(target);
  if (from === to) console.log(`Schema of ${where} is current (version ${to})`);
  else if (from === 0) console.log(`Created the ftpx schema in ${where} (version ${to})`);
  else console.log(`Upgraded the schema of ${where} from version ${from} to ${to}`);
  return 0;
}
