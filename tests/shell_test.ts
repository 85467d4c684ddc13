import assert from "node:assert/strict";
import { TestServer } from "./_spawn.ts";

Deno.test("first start creates an admin whose printed password logs in", async () => {
  await using server = await TestServer.start();
  assert.match(server.adminPassword, /^\S{16,}$/);
  const saved = await Deno.readTextFile(`${server.dataDir}/initial-admin-password`);
  assert.equal(saved.trim(), server.adminPassword);
  assert.equal((await Deno.stat(`${server.dataDir}/initial-admin-password`)).mode! & 0o777, 0o600);
  const result = await server.client("admin", server.adminPassword, { command: "pwd" });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "/\n");
});

Deno.test("batch mode runs stdin commands and stops at the first failure", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const ok = await server.client("alice", "alice-secret", {
    stdin: "mkdir -p a/b\ncd a\n# a comment\n\npwd\nls\n",
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^\/a\nd +0 +\S+ \S+ +b\/\n$/);

  const failing = await server.client("alice", "alice-secret", {
    stdin: "cd a\ncd missing\npwd\n",
  });
  assert.equal(failing.code, 1);
  assert.equal(failing.stdout, "");
  assert.match(failing.stderr, /Cannot (enter|open|stat) "\/a\/missing": not found/);
});
