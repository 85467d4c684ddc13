/** `ftpx deluser`: delete an account on the server host. */

import { resolve } from "node:path";
import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { ExitError, UsageError } from "../../cli/errors.ts";
import { canPrompt, confirm } from "../../cli/prompt.ts";
import { validateNameForCli } from "./adduser.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Delete an account (on the server host)";

/** Text for `ftpx deluser --help`. */
export const HELP = `Usage: ftpx deluser NAME [options]

Delete an account. Works while the server runs: the user's open sessions
end at their next request. Without --purge the home directory is kept,
moved to DATA/deleted/NAME-TIMESTAMP (so a new account with the same name
starts empty); with --purge it is removed. Asks for confirmation on a
terminal; without one, --yes is required.

Options:
  --purge            Also remove the home directory and every file in it
  -y, --yes          Do not ask for confirmation
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Deletes the account after confirmation. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    purge: { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    ...DATA_FLAGS,
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [name] = expectPositionals(parsed, ["NAME"]) as [string];
  validateNameForCli(name);
  const purge = parsed.flags.purge === true;
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    if (!(await accounts.get(name))) throw new Error(`No user "${name}" (see "ftpx users")`);
    if (parsed.flags.yes !== true) {
      await confirmDeletion(name, purge, accounts.storage.describeHome(name));
    }
    const { keptHome } = await accounts.remove(name, { purge });
    if (purge) console.log(`Deleted user "${name}" and removed their home`);
    else if (keptHome) {
      console.log(`Deleted user "${name}"; their files are kept in ${resolve(keptHome)}`);
    } else console.log(`Deleted user "${name}" (they had no home directory)`);
  } finally {
    await accounts.close();
  }
  return 0;
}

async function confirmDeletion(name: string, purge: boolean, home: string): Promise<void> {
  if (!canPrompt()) {
    throw new UsageError(
      `Not deleting "${name}": no terminal to confirm on; add --yes to delete without asking`,
    );
  }
  const what = purge ? `user "${name}" and every file in ${home}` : `user "${name}"`;
  if (!await confirm(`Delete ${what}?`)) {
    console.error("Nothing deleted");
    throw new ExitError(1);
  }
}
