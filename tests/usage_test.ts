import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase } from "../server/store/sqlite/database.ts";
import { hashPassword } from "../server/core/auth/password.ts";
import { runFtpx, tempDir, TestServer } from "./_spawn.ts";

interface DuReport {
  name: string;
  stored: number;
  measured: number;
  files: number;
  drift: number;
  fixed: boolean;
  busy: boolean;
}

Deno.test("du finds drift between the stored figure and the disk, reports and fixes it", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  await server.addUser("carol", "carol-secret");
  const home = server.home("bob");
  await Deno.mkdir(join(home, "docs"));
  await Deno.writeFile(join(home, "docs", "a.bin"), new Uint8Array(1000));
  await Deno.writeFile(join(home, "b.bin"), new Uint8Array(24));
  // An unfinished upload counts against the quota too.
  await Deno.writeFile(join(home, ".ftpx-upload-1"), new Uint8Array(500));

  const check = await runFtpx(["du", "--check", "--data", server.dataDir]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /^bob +0 +1\.5K +3 +\+1524 bytes +not fixed \(--check\)$/m);
  assert.match(check.stdout, /^carol +0 +0 +0 +-$/m);
  assert.match(check.stdout, /1 of 3 accounts drifted \(run without --check to fix\)\n$/);

  const fixed = await runFtpx(["du", "bob", "--data", server.dataDir]);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /^bob +0 +1\.5K +3 +\+1524 bytes +fixed$/m);
  const users = await runFtpx(["users", "--json", "--data", server.dataDir]);
  const bob = JSON.parse(users.stdout).find((user: { name: string }) => user.name === "bob");
  assert.equal(bob.used, 1524);
  const df = await server.client("bob", "bob-secret", { command: "df" });
  assert.equal(df.stdout, "Used 1.5K, no quota\n");

  await Deno.remove(join(home, "docs"), { recursive: true });
  const again = await runFtpx(["du", "--json", "--data", server.dataDir, "bob"]);
  assert.equal(again.code, 0, again.stderr);
  const [report] = JSON.parse(again.stdout) as DuReport[];
  assert.deepEqual(report, {
    name: "bob",
    stored: 1524,
    measured: 524,
    files: 2,
    drift: -1000,
    fixed: true,
    busy: false,
  });
  const clean = await runFtpx(["du", "--check", "--data", server.dataDir]);
  assert.equal(clean.code, 0);
  assert.match(clean.stdout, /No drift: stored figures match the disk\n$/);

  const unknown = await runFtpx(["du", "nobody", "--data", server.dataDir]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: No user "nobody"/);
});

Deno.test("a data dir created at schema 1 opens after migration with its accounts intact", async () => {
  await using data = await tempDir();
  const db = openDatabase(data.path, { upToVersion: 1 });
  const insert = db.prepare(
    "INSERT INTO users (name, password_hash, admin, quota_bytes, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  insert.run("veteran", await hashPassword("veteran-secret"), 1, 0, Date.UTC(2025, 0, 1));
  insert.run("rookie", await hashPassword("rookie-secret"), 0, 4096, Date.UTC(2025, 5, 1));
  db.close();
  await Deno.mkdir(join(data.path, "home", "rookie"), { recursive: true });
  await Deno.writeTextFile(join(data.path, "home", "rookie", "old.txt"), "from before");

  await using server = await TestServer.start({ dataDir: data.path });
  assert.equal(server.adminPassword, "", "accounts exist: no first-start admin");
  // Schema 1 kept no used space: the server measured the homes at start, so quotas hold.
  const rookie = await server.client("rookie", "rookie-secret", { command: "ls; df" });
  assert.equal(rookie.code, 0, rookie.stderr);
  assert.match(rookie.stdout, /old\.txt\nUsed 11 of 4K \(0%\), 4K free\n$/);
  assert.match(server.log, /used space measured user=rookie stored=0 measured=11\n/);
  const du = await runFtpx(["du", "--check", "--data", data.path]);
  assert.equal(du.code, 0, du.stdout);
  const veteran = await server.client("veteran", "veteran-secret", { command: "users --json" });
  assert.equal(veteran.code, 0, veteran.stderr);
  const users = JSON.parse(veteran.stdout);
  assert.deepEqual(
    users.map((
      user: { name: string; admin: boolean; disabled: boolean },
    ) => [user.name, user.admin, user.disabled]),
    [
      ["rookie", false, false],
      ["veteran", true, false],
    ],
  );
  assert.equal(users[0].created, "2025-06-01T00:00:00.000Z");
  assert.ok(users[1].lastLogin !== null);
});
