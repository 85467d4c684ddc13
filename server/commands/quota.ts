/** `ftpx quota`: set an account's quota on the server host. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { describeQuota } from "../core/accounts.ts";
import { parseQuota } from "./adduser.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Set an account's quota (on the server host)";

/** Text for `ftpx quota --help`. */
export const HELP = `Usage: ftpx quota NAME SIZE [options]

Set the space an account may use, e.g. 500M or 2G; 0 = unlimited. Works
while the server runs: the user's next request sees the new limit.
Lowering it below what the user already stores deletes nothing; new
uploads are refused until they are under it again.

Options:
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Sets the quota. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [name, size] = expectPositionals(parsed, ["NAME", "SIZE"]) as [string, string];
  const quota = parseQuota(size);
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    if (!(await accounts.get(name))) throw new Error(`No user "${name}" (see "ftpx users")`);
    const account = await accounts.setQuota(name, quota);
    console.log(describeQuota(account));
  } finally {
    await accounts.close();
  }
  return 0;
}
