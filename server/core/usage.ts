/**
 * Used space measured on disk: the apparent size of every file in a home,
 * the server's partial uploads (`.ftpx-*`) included, and the reconciling of
 * the incrementally tracked figure (`users.used_bytes`) with it (`ftpx du`).
 */

import type { AccountStore } from "./accounts.ts";
import { walkFiles } from "../storage/local/deep_tree.ts";

/** What a walk of a home found. */
export interface TreeSize {
  /** Sum of the sizes of regular files; directories and symlinks count nothing. */
  bytes: number;
  files: number;
}

/**
 * Adds up the apparent size of every regular file under `root`, without
 * following symlinks (a link out of the home must not count what it points
 * to), at any depth, even beyond what one path can name (`deep_tree.ts`).
 * Entries that vanish during the walk are skipped; a missing root is empty.
 */
export async function measureTree(root: string): Promise<TreeSize> {
  const size: TreeSize = { bytes: 0, files: 0 };
  await walkFiles(root, (info) => {
    size.bytes += info.size;
    size.files++;
  });
  return size;
}

/** An account whose used space was measured at start because it had never been. */
export interface MeasuredAccount {
  name: string;
  /** The figure stored before. */
  stored: number;
  /** What the home holds. */
  measured: number;
}

/**
 * Measures the homes of accounts whose used space was never measured (those
 * of a data dir from an ftpx that did not track it: they all had 0) and
 * stores what they hold. Run by the server at start, before any session, so
 * no upload is in flight. Returns the accounts whose figure changed.
 */
export async function measureUnmeasured(accounts: AccountStore): Promise<MeasuredAccount[]> {
  const rows = accounts.db.prepare(
    "SELECT id, name, used_bytes AS used FROM users WHERE used_measured = 0",
  ).all() as unknown as { id: number; name: string; used: number }[];
  const changed: MeasuredAccount[] = [];
  for (const row of rows) {
    const { bytes } = await measureTree(accounts.homeOf(row.name));
    accounts.db.prepare("UPDATE users SET used_bytes = ?, used_measured = 1 WHERE id = ?")
      .run(bytes, row.id);
    if (bytes !== row.used) changed.push({ name: row.name, stored: row.used, measured: bytes });
  }
  return changed;
}

/** The outcome of reconciling one account. */
export interface UsageReport {
  name: string;
  /** The tracked figure before reconciling. */
  stored: number;
  /** What the home holds on disk. */
  measured: number;
  files: number;
  /** `measured - stored`: positive when the tracked figure was too low. */
  drift: number;
  /** True when the stored figure was corrected. */
  fixed: boolean;
  /** True when uploads were in progress or the figure kept changing during the scan: nothing fixed. */
  busy: boolean;
}

/** Options for {@linkcode reconcileUsage}. */
export interface ReconcileOptions {
  /** Correct the stored figure when it drifted (default true). */
  fix?: boolean;
}

const MAX_SCANS = 3;

/**
 * Measures an account's home and, if the stored figure differs, replaces it,
 * but only if nothing changed it during the scan (a transfer finishing
 * meanwhile would make the scan stale) and no upload is in flight; else it
 * scans again, a few times, then reports the account busy.
 */
export async function reconcileUsage(
  accounts: AccountStore,
  name: string,
  options: ReconcileOptions = {},
): Promise<UsageReport> {
  const fix = options.fix ?? true;
  let report: UsageReport | undefined;
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const account = accounts.get(name);
    if (!account) throw new Error(`No user "${name}" (see "ftpx users")`);
    const { bytes, files } = await measureTree(accounts.homeOf(name));
    const stored = account.used;
    report = {
      name,
      stored,
      measured: bytes,
      files,
      drift: bytes - stored,
      fixed: false,
      busy: false,
    };
    if (report.drift === 0 || !fix) return report;
    if (accounts.replaceUsed(name, stored, bytes)) return { ...report, fixed: true };
  }
  return { ...report!, busy: true };
}
