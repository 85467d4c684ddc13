/**
 * Housekeeping of transfer state, run by the main server thread: at start,
 * settle the quota reservations a crashed server left behind; at start and
 * periodically, delete partial uploads idle for longer than the configured
 * age (crediting their space back).
 */

import type { AccountStore } from "../accounts.ts";
import { QuotaLedger } from "../../store/sqlite/quota_ledger.ts";
import { Vfs } from "../../storage/local/vfs.ts";
import { transferStores } from "./stores.ts";

/** Opens the jail of the account with this id, or null if it has none any more. */
async function vfsOfUser(accounts: AccountStore, userId: number): Promise<Vfs | null> {
  const row = accounts.db.prepare("SELECT name FROM users WHERE id = ?").get(userId) as
    | { name: string }
    | undefined;
  if (!row) return null;
  return await Vfs.open(accounts.homeOf(row.name)).catch(() => null);
}

/** Settles reservations of uploads that were running when the server stopped; returns how many. */
export function recoverReservations(accounts: AccountStore): Promise<number> {
  return QuotaLedger.recover(accounts.db, async (userId, partial) => {
    const vfs = await vfsOfUser(accounts, userId);
    if (!vfs) throw new Error("no home");
    return await vfs.partialLength(partial);
  });
}

/** Deletes partial uploads idle for more than `maxAgeMs`; returns how many were removed. */
export async function removeStalePartials(
  accounts: AccountStore,
  maxAgeMs: number,
): Promise<number> {
  const stores = transferStores(accounts.db);
  const stale = stores.partials.staleSince(Date.now() - maxAgeMs);
  for (const record of stale) {
    const vfs = await vfsOfUser(accounts, record.userId);
    if (vfs) {
      const length = await vfs.partialLength(record.partial);
      await vfs.removePartial(record.partial);
      stores.quota.adjust(record.userId, -length);
    }
    stores.partials.delete(record.userId, record.path);
  }
  return stale.length;
}
