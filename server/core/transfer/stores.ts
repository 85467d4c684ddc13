/** The database-backed state transfers share across server threads. */

import type { DatabaseSync } from "node:sqlite";
import { QuotaLedger } from "../../store/sqlite/quota_ledger.ts";
import { HashCache } from "../../store/sqlite/hash_cache.ts";
import { PartialStore } from "../../store/sqlite/partials.ts";

/** Quota ledger, partial upload records and the sha256 cache of one server thread. */
export interface TransferStores {
  quota: QuotaLedger;
  partials: PartialStore;
  hashes: HashCache;
}

/** Creates the stores over a thread's database connection. */
export function transferStores(db: DatabaseSync): TransferStores {
  return {
    quota: new QuotaLedger(db),
    partials: new PartialStore(db),
    hashes: new HashCache(db),
  };
}
