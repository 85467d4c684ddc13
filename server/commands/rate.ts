/** `ftpx rate`: show or set an account's bandwidth limits on the server host. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { describeRates } from "../core/accounts.ts";
import { rateFlags } from "./adduser.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Show or set an account's bandwidth limits (on the server host)";

/** Text for `ftpx rate --help`. */
export const HELP = `Usage: ftpx rate NAME [--down SIZE] [--up SIZE] [options]

Show an account's bandwidth limits, or set them: the rate of each of its
downloads and uploads, per second (e.g. 10M), on every protocol; 0 = the
server's default (rate_down, rate_up in conf/server.ini). Works while the
server runs: transfers that start afterwards use the new limits.

Options:
  --down SIZE        Bandwidth of each download, per second
  --up SIZE          Bandwidth of each upload, per second
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Shows or sets the limits. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    down: { type: "string" },
    up: { type: "string" },
    ...DATA_FLAGS,
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [name] = expectPositionals(parsed, ["NAME"]) as [string];
  const rates = rateFlags({
    ...parsed,
    flags: { "rate-down": parsed.flags.down, "rate-up": parsed.flags.up },
  });
  const config = await configFromFlags(parsed);
  const accounts = await openAccounts(config);
  try {
    const current = await accounts.get(name);
    if (!current) throw new Error(`No user "${name}" (see "ftpx users")`);
    const account = Object.keys(rates).length === 0
      ? current
      : await accounts.setRates(name, rates);
    console.log(describeRates(account, config));
  } finally {
    await accounts.close();
  }
  return 0;
}
