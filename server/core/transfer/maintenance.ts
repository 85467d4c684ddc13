/**
 * Housekeeping of transfer state, run by the main server thread: at start,
 * settle the quota reservations a crashed server left behind; at start and
 * periodically, delete partial uploads idle for longer than the configured
 * age (crediting their space back).
 */

import type { Accounts } from "../accounts.ts";
import type { HomeStorage } from "../../storage/mod.ts";
import type { LeftReservation } from "../../store/mod.ts";

/** Opens the home of the account with this id, or null if it has none any more. */
async function vfsOfUser(accounts: Accounts, userId: number): Promise<HomeStorage | null> {
  const account = await accounts.getById(userId);
  if (!account) return null;
  return await accounts.storage.openHome(account.name).catch(() => null);
}

/**
 * Settles reservations left by a server that stopped without ending its
 * uploads: what each wrote (its partial's length now, minus its base) is
 * added to used space, then the reservation is dropped. Run at start,
 * before any session; returns how many there were.
 */
export async function recoverReservations(accounts: Accounts): Promise<number> {
  const left = await accounts.stores.quota.leftReservations();
  await settleLeftReservations(accounts, left);
  return left.length;
}

/**
 * Settles reservations whose uploads will never end (their server stopped,
 * or their node was released): each is charged what its partial holds past
 * its base, and dropped. Returns the bytes charged.
 */
export async function settleLeftReservations(
  accounts: Accounts,
  left: readonly LeftReservation[],
): Promise<number> {
  const { quota } = accounts.stores;
  let charged = 0;
  for (const reservation of left) {
    const vfs = await vfsOfUser(accounts, reservation.userId);
    const length = vfs
      ? await vfs.partialLength(reservation.partial).catch(() => reservation.base)
      : reservation.base;
    await quota.settleLeft(reservation, length - reservation.base);
    charged += length - reservation.base;
  }
  return charged;
}

/** Deletes partial uploads idle for more than `maxAgeMs`; returns how many were removed. */
export async function removeStalePartials(
  accounts: Accounts,
  maxAgeMs: number,
): Promise<number> {
  const stores = accounts.stores;
  const stale = await stores.partials.staleSince(Date.now() - maxAgeMs);
  for (const record of stale) {
    const vfs = await vfsOfUser(accounts, record.userId);
    if (vfs) {
      const length = await vfs.partialLength(record.partial);
      await vfs.removePartial(record.partial);
      await stores.quota.adjust(record.userId, -length);
    }
    await stores.partials.delete(record.userId, record.path);
  }
  return stale.length;
}
