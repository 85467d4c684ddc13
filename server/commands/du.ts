/** `ftpx du`: recompute used space from disk and correct the stored figures. */

import { parseFlags } from "../../cli/args.ts";
import { UsageError } from "../../cli/errors.ts";
import { formatTable } from "../../cli/table.ts";
import { formatSize } from "../../protocol/size.ts";
import { reconcileUsage, type UsageReport } from "../core/usage.ts";
import { configFromFlags, DATA_FLAGS, DATA_FLAGS_HELP, openAccounts } from "./_account_flags.ts";

/** One line for `ftpx --help`. */
export const SUMMARY = "Recompute used space from disk and fix drift (on the server host)";

/** Text for `ftpx du --help`. */
export const HELP = `Usage: ftpx du [NAME] [options]

Measure what each home really holds (apparent size of every file,
unfinished uploads included), compare it with the figure the server keeps
for quotas, report any drift and correct it. Without NAME, every account.
Works while the server runs; an account whose figure changes during the
scan (uploads in progress) is reported busy and left as is.

Options:
  --check            Only report; exit status 1 if any figure drifted
  --json             One JSON array, for scripts
${DATA_FLAGS_HELP}
  -h, --help         Show this help
`;

/** Reconciles the accounts and prints what was found. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseFlags(args, {
    check: { type: "boolean" },
    json: { type: "boolean" },
    ...DATA_FLAGS,
  });
  if (parsed.flags.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[1]}"`);
  }
  const fix = parsed.flags.check !== true;
  const accounts = await openAccounts(await configFromFlags(parsed));
  const reports: UsageReport[] = [];
  try {
    const [only] = parsed.positionals;
    if (only !== undefined && !(await accounts.get(only))) {
      throw new Error(`No user "${only}" (see "ftpx users")`);
    }
    const names = only === undefined
      ? (await accounts.list()).map((account) => account.name)
      : [only];
    for (const name of names) reports.push(await reconcileUsage(accounts, name, { fix }));
  } finally {
    await accounts.close();
  }
  console.log(parsed.flags.json ? JSON.stringify(reports) : formatReports(reports, fix));
  const unresolved = reports.some((report) => report.busy || (!fix && report.drift !== 0));
  return unresolved ? 1 : 0;
}

function formatReports(reports: UsageReport[], fix: boolean): string {
  const rows = [["NAME", "STORED", "ON DISK", "FILES", "DRIFT", ""]];
  for (const report of reports) {
    rows.push([
      report.name,
      formatSize(report.stored),
      formatSize(report.measured),
      String(report.files),
      report.drift === 0 ? "-" : `${report.drift > 0 ? "+" : ""}${report.drift} bytes`,
      outcome(report, fix),
    ]);
  }
  const drifted = reports.filter((report) => report.drift !== 0).length;
  const summary = drifted === 0
    ? "No drift: stored figures match the disk"
    : fix
    ? `${drifted} of ${reports.length} accounts drifted`
    : `${drifted} of ${reports.length} accounts drifted (run without --check to fix)`;
  return `${formatTable(rows)}\n${summary}`;
}

function outcome(report: UsageReport, fix: boolean): string {
  if (report.busy) return "busy: changed during the scan, not fixed (run again)";
  if (report.fixed) return "fixed";
  return report.drift !== 0 && !fix ? "not fixed (--check)" : "";
}
