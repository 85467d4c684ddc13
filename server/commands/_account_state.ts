/** `ftpx disable` and `ftpx enable` share everything but the direction. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { validateNameForCli } from "./adduser.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** Help text of `ftpx disable` or `ftpx enable`. */
export function stateHelp(disable: boolean): string {
  const what = disable
    ? `Disable an account: it can't log in, and its open sessions end at their
next request. Its files stay; "ftpx enable" lets it in again. Works while
the server runs.`
    : `Enable a disabled account: it may log in again. Works while the server runs.`;
  return `Usage: ftpx ${disable ? "disable" : "enable"} NAME [options]

${what}

Options:
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;
}

/** Runs `ftpx disable` (true) or `ftpx enable` (false). */
export async function runSetState(args: string[], disable: boolean): Promise<number> {
  const parsed = parseFlags(args, { ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(stateHelp(disable));
    return 0;
  }
  const [name] = expectPositionals(parsed, ["NAME"]) as [string];
  validateNameForCli(name);
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    if (!(await accounts.get(name))) throw new Error(`No user "${name}" (see "ftpx users")`);
    await accounts.setDisabled(name, disable);
    console.log(`${disable ? "Disabled" : "Enabled"} user "${name}"`);
  } finally {
    await accounts.close();
  }
  return 0;
}
