/**
 * Used space measured on disk: the apparent size of every file in a home,
 * the server's partial uploads (`.ftpx-*`) included, and the reconciling of
 * the incrementally tracked figure (`users.used_bytes`) with it (`ftpx du`).
 */

import type { Accounts } from "./accounts.ts";

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
export async function measureUnmeasured(accounts: Accounts): Promise<MeasuredAccount[]> {
  const rows = await accounts.stores.accounts.unmeasured();
  const changed: MeasuredAccount[] = [];
  for (const row of rows) {
    const { bytes } = await accounts.storage.measureHome(row.name);
    await accounts.stores.accounts.setMeasured(row.id, bytes);
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
  accounts: Accounts,
  name: string,
  options: ReconcileOptions = {},
): Promise<UsageReport> {
  const fix = options.fix ?? true;
  let report: UsageReport | undefined;
  for (let scan = 0; scan < MAX_SCANS; scan++) {
    const account = await accounts.get(name);
    if (!account) throw new Error(`No user "${name}" (see "ftpx users")`);
    const { bytes, files } = await accounts.storage.measureHome(name);
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
    if (await accounts.stores.accounts.replaceUsed(name, stored, bytes)) {
      return { ...report, fixed: true };
    }
  }
  return { ...report!, busy: true };
}
