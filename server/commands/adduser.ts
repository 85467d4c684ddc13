/** `ftpx adduser`: create an account on the server host. */

import { resolve } from "node:path";
import { expectPositionals, type ParsedArgs, parseFlags, stringFlag } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { formatSize, parseSize } from "../../protocol/size.ts";
import { validateUsername } from "../core/accounts.ts";
import {
  configFromFlags,
  DATA_FLAGS,
  DATA_FLAGS_HELP,
  openAccounts,
  readNewPassword,
} from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Create an account (on the server host)";

/** Text for `ftpx adduser --help`. */
export const HELP = `Usage: ftpx adduser NAME [options]

Create an account with a home directory. Works while the server runs.
The password is asked twice on the terminal, or read from one line of
standard input with --password-stdin.

Options:
  --quota SIZE       Space limit, e.g. 500M or 2G; 0 = unlimited (default: default_quota)
  --rate-down SIZE   Bandwidth of each download, per second, e.g. 10M (default: rate_down)
  --rate-up SIZE     Bandwidth of each upload, per second (default: rate_up)
  --admin            Make the account an administrator
  --password-stdin   Read the password from standard input
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Creates the account. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    quota: { type: "string" },
    "rate-down": { type: "string" },
    "rate-up": { type: "string" },
    admin: { type: "boolean" },
    "password-stdin": { type: "boolean" },
    ...DATA_FLAGS,
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  const [name] = expectPositionals(parsed, ["NAME"]) as [string];
  validateNameForCli(name);
  const config = await configFromFlags(parsed);
  const quotaText = stringFlag(parsed, "quota");
  const quota = quotaText === undefined ? config.defaultQuota : parseQuota(quotaText);
  const accounts = await openAccounts(config, { create: true });
  try {
    if (await accounts.get(name)) throw new Error(`User "${name}" already exists`);
    const password = await readNewPassword(parsed);
    const account = await accounts.create({
      name,
      password,
      admin: !!parsed.flags.admin,
      quota,
      ...rateFlags(parsed),
    });
    const limit = account.quota === 0 ? "unlimited" : formatSize(account.quota);
    console.log(
      `Created ${account.admin ? "administrator" : "user"} "${name}" (quota ${limit}, home ${
        resolve(accounts.storage.describeHome(name))
      })`,
    );
  } finally {
    await accounts.close();
  }
  return 0;
}

/** Parses a quota for the command line, turning a bad size into a usage error. */
export function parseQuota(text: string): number {
  try {
    return parseSize(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--rate-down` and `--rate-up` as bytes per second (only those given). */
export function rateFlags(parsed: ParsedArgs): { rateDown?: number; rateUp?: number } {
  const down = stringFlag(parsed, "rate-down");
  const up = stringFlag(parsed, "rate-up");
  return {
    ...(down === undefined ? {} : { rateDown: parseQuota(down) }),
    ...(up === undefined ? {} : { rateUp: parseQuota(up) }),
  };
}

/** Validates a user name, as a usage error. */
export function validateNameForCli(name: string): void {
  try {
    validateUsername(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
