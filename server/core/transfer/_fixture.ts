/** A data dir with one account, its jail and the transfer stores, for unit tests. */

export { bytes, sha256 } from "../../../tests/_data.ts";
import { join } from "node:path";
import { Accounts } from "../accounts.ts";
import { Vfs } from "../../storage/local/vfs.ts";
import { type TransferStores, transferStores } from "./stores.ts";

/** What a test needs; disposing removes the data dir. */
export interface Fixture extends AsyncDisposable {
  dataDir: string;
  accounts: Accounts;
  stores: TransferStores;
  vfs: Vfs;
  userId: number;
  home: string;
  /** `used_bytes` of the account, read from the database now. */
  used(): Promise<number>;
  /** A second, independent database connection, as another server thread has. */
  otherThread(): Promise<{ stores: TransferStores; close(): Promise<void> }>;
}

/** Creates a data dir with user "alice" (quota in bytes, 0 = unlimited). */
export async function fixture(quota = 0): Promise<Fixture> {
  const dataDir = await Deno.makeTempDir({ prefix: "ftpx-transfer-" });
  const accounts = await Accounts.open(dataDir);
  const account = await accounts.create({ name: "alice", password: "alice-secret", quota });
  const home = join(dataDir, "home", "alice");
  const extra: Accounts[] = [];
  return {
    dataDir,
    accounts,
    stores: transferStores(accounts.stores),
    vfs: await Vfs.open(home),
    userId: account.id,
    home,
    used: async () => (await accounts.get("alice"))!.used,
    async otherThread() {
      const other = await Accounts.open(dataDir);
      extra.push(other);
      return { stores: transferStores(other.stores), close: () => other.close() };
    },
    async [Symbol.asyncDispose]() {
      for (const other of extra) {
        await other.close().catch(() => {}); // Closed by the test.
      }
      await accounts.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** A sink collecting everything written to it, in chunks of at most `max` bytes per write. */
export function collector(
  max = Infinity,
): { write(d: Uint8Array): Promise<number>; data(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    write(data) {
      const n = Math.min(data.length, max);
      parts.push(data.slice(0, n));
      return Promise.resolve(n);
    },
    data() {
      const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    },
  };
}

/** A byte source handing out `data` in reads of at most `max` bytes. */
export function source(
  data: Uint8Array,
  max = 100_000,
): { read(b: Uint8Array): Promise<number | null> } {
  let offset = 0;
  return {
    read(buffer) {
      if (offset >= data.length) return Promise.resolve(null);
      const n = Math.min(buffer.length, max, data.length - offset);
      buffer.set(data.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
  };
}
