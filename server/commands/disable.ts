/** `ftpx disable`: lock an account out on the server host, keeping its files. */

import { runSetState, stateHelp } from "./_account_state.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Disable an account, keeping its files (on the server host)";

/** Text for `ftpx disable --help`. */
export const HELP = stateHelp(true);

/** Disables the account. */
export function run(args: string[]): Promise<number> {
  return runSetState(args, true);
}
