/** The shared state transfers use, taken from the backend's stores. */

import type { Stores } from "../../store/mod.ts";

/** Quota ledger, partial upload records and the sha256 cache. */
export type TransferStores = Pick<Stores, "quota" | "partials" | "hashes">;

/** The transfer stores among `stores`. */
export function transferStores(stores: Stores): TransferStores {
  return { quota: stores.quota, partials: stores.partials, hashes: stores.hashes };
}
