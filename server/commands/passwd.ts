/** `ftpx passwd`: set an account's password on the server host. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import {
  configFromFlags,
  DATA_FLAGS,
  DATA_FLAGS_HELP,
  openAccounts,
  readNewPassword,
} from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Set an account's password (on the server host)";

/** Text for `ftpx passwd --help`. */
export const HELP = `Usage: ftpx passwd NAME [options]

Set a new password for an account. Works while the server runs: the next
login uses the new password.

Options:
  --password-stdin   Read the password from standard input
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Changes the password. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { "password-stdin": { type: "boolean" }, ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [name] = expectPositionals(parsed, ["NAME"]) as [string];
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    if (!(await accounts.get(name))) throw new Error(`No user "${name}" (see "ftpx users")`);
    await accounts.setPassword(name, await readNewPassword(parsed));
    console.log(`Password of "${name}" changed`);
  } finally {
    await accounts.close();
  }
  return 0;
}
