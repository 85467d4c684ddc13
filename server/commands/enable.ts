/** `ftpx enable`: let a disabled account log in again. */

import { runSetState, stateHelp } from "./_account_state.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Enable a disabled account (on the server host)";

/** Text for `ftpx enable --help`. */
export const HELP = stateHelp(false);

/** Enables the account. */
export function run(args: string[]): Promise<number> {
  return runSetState(args, false);
}
