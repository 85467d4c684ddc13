import assert from "node:assert/strict";
import { openDatabase } from "../../store/sqlite/database.ts";
import { admitConnection } from "./admission.ts";
import { SqliteSessionRegistry } from "../../store/sqlite/session_registry.ts";

function registry(): SqliteSessionRegistry & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "ftpx-limits-" });
  const db = openDatabase(dir);
  return Object.assign(new SqliteSessionRegistry(db, "local"), {
    [Symbol.dispose]() {
      db.close();
      Deno.removeSync(dir, { recursive: true });
    },
  });
}

const LIMITS = { maxSessions: 4, maxSessionsPerAddress: 2 };

Deno.test("admitConnection() records sessions up to the per-address limit, then refuses", async () => {
  using sessions = registry();
  const admit = async (address: string) =>
    await admitConnection(sessions, { address, port: 1, protocol: "ftpx" }, LIMITS);
  const first = await admit("10.0.0.1");
  assert.ok(first.admitted);
  assert.ok((await admit("10.0.0.1")).admitted);
  const third = await admit("10.0.0.1");
  assert.ok(!third.admitted);
  assert.equal(!third.admitted && third.kind, "rate_limited");
  assert.match(!third.admitted ? third.message : "", /Too many sessions from 10\.0\.0\.1: 2 open/);
  assert.equal(await sessions.countByAddress("10.0.0.1"), 2, "a refusal is not recorded");

  await sessions.close(first.admitted ? first.id : -1);
  assert.ok((await admit("10.0.0.1")).admitted, "a closed session frees its slot");
});

Deno.test("admitConnection() refuses everyone once the server is full", async () => {
  using sessions = registry();
  const admit = async (address: string) =>
    await admitConnection(sessions, { address, port: 1, protocol: "ftp" }, LIMITS);
  for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]) {
    assert.ok((await admit(address)).admitted);
  }
  const refused = await admit("10.0.0.5");
  assert.ok(!refused.admitted && refused.kind === "unavailable");
  assert.match(!refused.admitted ? refused.message : "", /Server busy: 4 sessions open/);
  assert.equal(await sessions.count(), 4);
});
