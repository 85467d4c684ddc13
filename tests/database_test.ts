/**
 * The accounts database shared with other SQLite clients: an operator's
 * `sqlite3` query, a backup script or a monitoring check may open and close
 * ftpx.db while the server runs. None of that may lose the server's writes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { bytes } from "./_data.ts";
import { runFtpx, runProgram, tempDir, TestServer } from "./_spawn.ts";

/** Debian's sqlite3 CLI reading the database as a monitoring check would, then closing it. */
async function sqliteQuery(dataDir: string, sql: string): Promise<string> {
  const result = await runProgram("sqlite3", [join(dataDir, "ftpx.db"), sql]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

Deno.test("another SQLite client reading the database while the server runs loses none of its writes", async () => {
  await using data = await tempDir("ftpx-data-");
  await using local = await tempDir("ftpx-local-");
  const content = bytes(300_000, 7);
  await Deno.writeFile(join(local.path, "report.bin"), content);

  const first = await TestServer.start({ dataDir: data.path });
  await first.addUser("alice", "alice-secret1");
  // Every server thread has its connection open by now; the CLI opens and closes its own.
  assert.equal(await sqliteQuery(data.path, "SELECT count(*) FROM users"), "2\n");
  assert.equal(await sqliteQuery(data.path, "SELECT count(*) FROM users"), "2\n");

  const changed = await first.client("alice", "alice-secret1", {
    stdin: "passwd\nalice-secret1\nalice-secret2\n",
  });
  assert.equal(changed.code, 0, changed.stderr);
  const put = await first.client("alice", "alice-secret2", {
    command: "put report.bin",
    cwd: local.path,
  });
  assert.equal(put.code, 0, put.stderr);
  await first.addUser("bob", "bob-secret1");
  assert.equal((await first.client("bob", "bob-secret1", { command: "pwd" })).code, 0);
  await sqliteQuery(data.path, "SELECT name FROM users");
  await first.stop();

  await using second = await TestServer.start({ dataDir: data.path });
  assert.equal((await second.client("alice", "alice-secret2", { command: "pwd" })).code, 0);
  assert.equal((await second.client("bob", "bob-secret1", { command: "pwd" })).code, 0);
  const users = JSON.parse((await runFtpx(["users", "--json", "--data", data.path])).stdout);
  const alice = users.find((user: { name: string }) => user.name === "alice");
  assert.equal(alice.used, content.length);
});
