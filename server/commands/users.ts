/** `ftpx users`: list accounts on the server host. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { formatSize } from "../../protocol/size.ts";
import type { Account } from "../accounts.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "List accounts (on the server host)";

/** Text for `ftpx users --help`. */
export const HELP = `Usage: ftpx users [options]

List accounts: name, admin, quota and creation date.

Options:
  --json             One JSON array, for scripts
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
    const list = accounts.list();
    console.log(parsed.flags.json ? JSON.stringify(list.map(toJson)) : formatTable(list));
  } finally {
    accounts.close();
  }
  return 0;
}

function toJson(account: Account) {
  return {
    name: account.name,
    admin: account.admin,
    quota: account.quota,
    created: new Date(account.createdAt).toISOString(),
  };
}

function formatTable(accounts: Account[]): string {
  const rows = [["NAME", "ADMIN", "QUOTA", "CREATED"]];
  for (const account of accounts) {
    rows.push([
      account.name,
      account.admin ? "yes" : "no",
      account.quota === 0 ? "unlimited" : formatSize(account.quota),
      new Date(account.createdAt).toISOString().slice(0, 16).replace("T", " "),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n");
}
