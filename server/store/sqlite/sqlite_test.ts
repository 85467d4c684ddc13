import { runStoreContract } from "../store_contract.ts";
import { openSqliteStores } from "./mod.ts";

Deno.test("SQLite stores pass the store contract", async (t) => {
  await runStoreContract(t, {
    async createDatabase() {
      const dir = await Deno.makeTempDir({ prefix: "ftpx-sqlite-contract-" });
      return {
        connect: () => Promise.resolve(openSqliteStores(dir, { node: "node-a" })),
        remove: () => Deno.remove(dir, { recursive: true }),
      };
    },
  });
});
