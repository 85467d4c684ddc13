/** `ftpx import`: read accounts written by `ftpx export` into this account database. */

import { expectPositionals, parseFlags } from "../../cli/args.ts";
import { stdinLineReader } from "../../cli/line_reader.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";
import { type ExportedAccount, parseExportLine } from "./_export_format.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Read accounts written by ftpx export (on the server host)";

/** Text for `ftpx import --help`. */
export const HELP = `Usage: ftpx import [--replace] [options] < accounts.jsonl

Read accounts, one JSON object a line as "ftpx export" writes them, into
this account database (SQLite in the data dir, or PostgreSQL with --db),
with their password hashes, quotas, used space, admin and disabled flags
and times. Every line is checked first: one bad line, or an account that
exists already, and nothing is imported.

Options:
  --replace          Overwrite existing accounts of the same name (password,
                     quota, used space, disabled); an admin flag that differs
                     is still refused
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Imports the accounts on standard input. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, { replace: { type: "boolean" }, ...DATA_FLAGS });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  expectPositionals(parsed, []);
  const replace = parsed.flags.replace === true;
  const incoming: ExportedAccount[] = [];
  const seen = new Set<string>();
  const lines = stdinLineReader();
  for (let number = 1;; number++) {
    const line = await lines.next();
    if (line === null) break;
    if (line.trim() === "") continue;
    let account: ExportedAccount;
    try {
      account = parseExportLine(line);
    } catch (error) {
      console.error(`error: line ${number}: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    if (seen.has(account.name)) {
      console.error(`error: line ${number}: ${account.name} appears twice`);
      return 1;
    }
    seen.add(account.name);
    incoming.push(account);
  }
  const accounts = await openAccounts(await configFromFlags(parsed), { create: true });
  try {
    const store = accounts.stores.accounts;
    const existing = new Map((await store.list()).map((record) => [record.name, record]));
    const clashes = incoming.filter((account) => existing.has(account.name));
    if (clashes.length > 0 && !replace) {
      const names = clashes.map((account) => account.name).join(", ");
      console.error(
        `error: ${clashes.length} account${clashes.length === 1 ? "" : "s"} exist already ` +
          `(${names}): nothing imported; --replace overwrites them`,
      );
      return 1;
    }
    for (const account of clashes) {
      if (existing.get(account.name)!.admin !== account.admin) {
        console.error(
          `error: ${account.name} is ${account.admin ? "" : "not "}an admin in the import but ` +
            `${account.admin ? "not " : ""}here: delete it first (ftpx deluser); nothing imported`,
        );
        return 1;
      }
    }
    let created = 0;
    for (const account of incoming) {
      const record = existing.get(account.name) ?? await store.insert({
        name: account.name,
        passwordHash: account.passwordHash,
        admin: account.admin,
        quota: account.quota,
        createdAt: account.createdAt,
      });
      if (!existing.has(account.name)) created++;
      await store.update(account.name, {
        passwordHash: account.passwordHash,
        quota: account.quota,
        disabled: account.disabled,
      });
      await store.setMeasured(record.id, account.used);
      if (account.lastLogin !== null) await store.recordLogin(record.id, account.lastLogin);
    }
    const replaced = incoming.length - created;
    console.log(
      `Imported ${incoming.length} account${incoming.length === 1 ? "" : "s"} ` +
        `(${created} new, ${replaced} replaced)`,
    );
  } finally {
    await accounts.close();
  }
  return 0;
}
