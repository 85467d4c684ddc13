/**
 * What the host admin commands share: finding the data dir and the account
 * database (`--db`), and reading a new password.
 */

import { LocalStorage } from "../storage/local/mod.ts";
import { join, resolve } from "node:path";
import { type ParsedArgs, stringFlag } from "../../cli/args.ts";
import { stdinLineReader } from "../../cli/line_reader.ts";
import { canPrompt, promptNewPassword } from "../../cli/prompt.ts";
import { UsageError } from "../../cli/errors.ts";
import { MIN_PASSWORD_LENGTH } from "../../protocol/limits.ts";
import { Accounts } from "../core/accounts.ts";
import { DATABASE_FILE } from "../store/sqlite/database.ts";
import { openStores } from "../store/open.ts";
import { loadConfig, type ServerConfig, storesOf } from "../core/config.ts";

/** Flags every host admin command takes. */
export const DATA_FLAGS = {
  data: { type: "string" },
  db: { type: "string" },
  config: { type: "string" },
} as const;

/** Help lines for {@linkcode DATA_FLAGS}. */
export const DATA_FLAGS_HELP =
  `  --data DIR         Data directory (default: from the config file, else ./ftpx-data)
  --db URL           Account database postgres://USER@HOST:PORT/DB, as the server's
                     (default: db in the config file, else SQLite in the data dir);
                     password from FTPX_DB_PASSWORD or .pgpass
  --config FILE      INI file (default conf/server.ini, if present)`;

/** Loads the configuration honouring `--data`, `--db` and `--config`. */
export function configFromFlags(parsed: ParsedArgs): Promise<ServerConfig> {
  return loadConfig({
    configPath: stringFlag(parsed, "config"),
    overrides: { data: stringFlag(parsed, "data"), db: stringFlag(parsed, "db") },
  });
}

/** Options for {@linkcode openAccounts}. */
export interface OpenAccountsOptions {
  /** Create the data dir if no server has used it yet (adduser), saying so; else refuse. */
  create?: boolean;
}

/**
 * Opens the account store of the configured data dir. A data dir without an
 * account database is most likely the wrong one (another directory than the
 * server's): refused, unless `create`, which says where it created one. With
 * a PostgreSQL `db`, a database without ftpx's schema is refused the same
 * way, unless `create`, which creates the schema.
 */
export async function openAccounts(
  config: ServerConfig,
  options: OpenAccountsOptions = {},
): Promise<Accounts> {
  if (config.db !== null) {
    const stores = await openStores(config.dataDir, {
      ...storesOf(config),
      migrate: options.create ?? false,
    });
    // The data dir is made only when a home is (Accounts.create), not by a look at the accounts.
    return new Accounts(config.dataDir, stores, new LocalStorage(config.dataDir));
  }
  const where = resolve(config.dataDir);
  if (!await exists(join(config.dataDir, DATABASE_FILE))) {
    if (!options.create) {
      throw new Error(
        `No ftpx data dir at "${where}": give the server's with --data DIR ` +
          `(or run "ftpx serve" once to create it)`,
      );
    }
    const accounts = await Accounts.open(config.dataDir);
    console.error(`Created a new data dir ${where}: serve it with "ftpx serve --data ${where}"`);
    return accounts;
  }
  return await Accounts.open(config.dataDir);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw error;
  }
}

/** A new password from one line of stdin (`--password-stdin`) or asked twice on the terminal. */
export async function readNewPassword(parsed: ParsedArgs): Promise<string> {
  if (parsed.flags["password-stdin"]) {
    const line = await stdinLineReader().next();
    if (line === null || line === "") throw new UsageError("No password on standard input");
    return line;
  }
  if (!canPrompt()) {
    throw new UsageError("No terminal to ask for a password: use --password-stdin");
  }
  return await promptNewPassword(MIN_PASSWORD_LENGTH);
}
