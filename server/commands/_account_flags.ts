/** What the host admin commands share: finding the data dir and reading a new password. */

import { type ParsedArgs, stringFlag } from "../../cli/args.ts";
import { stdinLineReader } from "../../cli/line_reader.ts";
import { canPrompt, promptNewPassword } from "../../cli/prompt.ts";
import { UsageError } from "../../cli/errors.ts";
import { MIN_PASSWORD_LENGTH } from "../../protocol/limits.ts";
import { AccountStore } from "../accounts.ts";
import { loadConfig, type ServerConfig } from "../config.ts";

/** Flags every host admin command takes. */
export const DATA_FLAGS = {
  data: { type: "string" },
  config: { type: "string" },
} as const;

/** Help lines for {@linkcode DATA_FLAGS}. */
export const DATA_FLAGS_HELP =
  `  --data DIR         Data directory (default: from the config file, else ./ftpx-data)
  --config FILE      INI file (default conf/server.ini, if present)`;

/** Loads the configuration honouring `--data` and `--config`. */
export function configFromFlags(parsed: ParsedArgs): Promise<ServerConfig> {
  return loadConfig({
    configPath: stringFlag(parsed, "config"),
    overrides: { data: stringFlag(parsed, "data") },
  });
}

/** Opens the account store of the configured data dir. */
export async function openAccounts(config: ServerConfig): Promise<AccountStore> {
  return await AccountStore.open(config.dataDir);
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
