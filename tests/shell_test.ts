import assert from "node:assert/strict";
import { tempDir, TestServer } from "./_spawn.ts";

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

Deno.test("a restart on the same data dir keeps the admin and prints no new password", async () => {
  await using dir = await tempDir();
  const dataDir = `${dir.path}/data`;
  const first = await TestServer.start({ dataDir });
  const password = first.adminPassword;
  await first.stop();
  await using second = await TestServer.start({ dataDir });
  assert.equal(second.adminPassword, "", "a second admin password was printed");
  assert.equal((await Deno.readTextFile(`${dataDir}/initial-admin-password`)).trim(), password);
  const result = await second.client("admin", password, { command: "pwd" });
  assert.equal(result.code, 0, result.stderr);
});

Deno.test("ls of a file shows that file, as ls and sftp do; a missing path is still an error", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  await Deno.mkdir(`${server.home("alice")}/docs`);
  await Deno.writeTextFile(`${server.home("alice")}/docs/a.txt`, "hello");
  const result = await server.client("alice", "alice-secret", { command: "ls docs/a.txt" });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^- 5 {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}docs\/a\.txt\n$/);
  const missing = await server.client("alice", "alice-secret", { command: "ls docs/b.txt" });
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: Cannot list "/docs/b.txt": not found\n');
});
