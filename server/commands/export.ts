/** `ftpx export`: write every account, password hashes included, as JSON lines. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";
import { exportLine } from "./_export_format.ts";

/** One line for `ftpx --help`. */
export const SUMMARY =
  "Write every account as JSON lines, to be imported elsewhere (on the server host)";

/** Text for `ftpx export --help`. */
export const HELP = `Usage: ftpx export [options] > accounts.jsonl

Write every account to standard output, one JSON object a line: name,
password hash (never a password), admin, quota and used space (bytes),
disabled, creation and last login times. "ftpx import" reads it into
another account database: from SQLite to PostgreSQL (--db) or back, or to
another data dir. Files are not exported: homes stay in the data dir.

The output holds password hashes: keep it private (it is refused on a
terminal; redirect it to a file only you can read).

Options:
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Prints the accounts, one line each. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  expectPositionals(parsed, []);
  if (Deno.stdout.isTerminal()) {
    console.error(
      "error: the export holds password hashes: redirect it to a file (> accounts.jsonl)",
    );
    return 1;
  }
  const accounts = await openAccounts(await configFromFlags(parsed));
  try {
    const records = await accounts.stores.accounts.list();
    const text = records.map((record) => exportLine(record) + "\n").join("");
    await Deno.stdout.write(new TextEncoder().encode(text));
    console.error(`Exported ${records.length} account${records.length === 1 ? "" : "s"}`);
  } finally {
    await accounts.close();
  }
  return 0;
}
