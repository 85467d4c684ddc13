/** `ftpx users`: list accounts on the server host. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { formatUsersTable } from "../../cli/users_table.ts";
import { toUserInfo } from "../core/accounts.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "List accounts (on the server host)";

/** Text for `ftpx users --help`. */
export const HELP = `Usage: ftpx users [options]

List accounts: name, admin, quota, used space, last login, creation date,
and whether the account is disabled. Used space is the figure the server
keeps for quotas ("ftpx du" checks it against the disk).

Options:
  --json             One JSON array, for scripts: name, admin, disabled,
                     quota and used (bytes, quota 0 = unlimited),
                     lastLogin (ISO 8601 or null), created (ISO 8601)
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Prints the accounts. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { json: { type: "boolean" }, ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  expectPositionals(parsed, []);
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    const list = (await accounts.list()).map(toUserInfo);
    console.log(parsed.flags.json ? JSON.stringify(list) : formatUsersTable(list));
  } finally {
    await accounts.close();
  }
  return 0;
}
