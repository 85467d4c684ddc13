/**
 * `ftpx export` and `ftpx import` move accounts between SQLite and a real
 * PostgreSQL, both ways: password hashes (the same passwords log in),
 * quotas, used space, admin and disabled flags, times. An import that would
 * overwrite an account is refused unless `--replace`; a bad line imports
 * nothing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { POSTGRES_PASSWORD, startPostgres } from "./_postgres.ts";
import { runFtpx, tempDir, TestServer } from "./_spawn.ts";

/** `users --json` of a data dir or database, the fields an import must keep. */
async function usersOf(flags: string[]): Promise<unknown[]> {
  const listed = await runFtpx(["users", "--json", ...flags]);
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout);
}

Deno.test("export and import move accounts SQLite -> PostgreSQL -> SQLite, refusing to overwrite", async () => {
  const postgres = await startPostgres();
  // Inherited by every ftpx started here. Never removed: test files run at once in this
  // process share its environment, and every test cluster has this same password.
  Deno.env.set("FTPX_DB_PASSWORD", POSTGRES_PASSWORD);
  try {
    await using work = await tempDir("ftpx-export-");
    const sqliteDir = join(work.path, "sqlite");
    const local = join(work.path, "local");
    await Deno.mkdir(local);
    await Deno.writeFile(join(local, "a.bin"), new Uint8Array(70_000).fill(7));

    // A data dir with history: an admin who logged in, a user with files and a quota, a disabled one.
    {
      await using server = await TestServer.start({ dataDir: sqliteDir });
      await server.addUser("alice", "alice-password", ["--quota", "5M"]);
      await server.addUser("bob", "bob-password");
      const put = await server.client("alice", "alice-password", {
        command: "put a.bin",
        cwd: local,
      });
      assert.equal(put.code, 0, put.stderr);
      assert.equal(
        (await server.client("admin", server.adminPassword, { command: "pwd" })).code,
        0,
      );
      const disabled = await runFtpx(["disable", "bob", "--data", sqliteDir]);
      assert.equal(disabled.code, 0, disabled.stderr);
    }
    const before = await usersOf(["--data", sqliteDir]);

    const exported = await runFtpx(["export", "--data", sqliteDir]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stderr, "Exported 3 accounts\n");
    const lines = exported.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.name), ["admin", "alice", "bob"]);
    assert.match(lines[1].passwordHash, /^scrypt\$/);
    assert.equal(lines[1].used, 70_000);
    assert.doesNotMatch(exported.stdout + exported.stderr, /alice-password/);

    // Into PostgreSQL (a fresh database: import creates the schema).
    const db = await postgres.createDatabase("ftpx_import");
    const pgDir = join(work.path, "pg-data");
    const imported = await runFtpx(["import", "--db", db, "--data", pgDir], {
      stdin: exported.stdout,
    });
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, "Imported 3 accounts (3 new, 0 replaced)\n");
    assert.deepEqual(await usersOf(["--db", db, "--data", pgDir]), before);

    // The same passwords log in on a server over PostgreSQL; the disabled account stays out.
    {
      await using server = await TestServer.start({ dataDir: sqliteDir, args: ["--db", db] });
      assert.equal((await server.client("alice", "alice-password", { command: "pwd" })).code, 0);
      const bob = await server.client("bob", "bob-password", { command: "pwd" });
      assert.equal(bob.code, 1);
      assert.match(bob.stderr, /disabled/);
    }

    // Again: every account exists, so nothing is imported, unless --replace.
    const again = await runFtpx(["import", "--db", db, "--data", pgDir], {
      stdin: exported.stdout,
    });
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      "error: 3 accounts exist already (admin, alice, bob): nothing imported; --replace overwrites them\n",
    );
    const quota = await runFtpx(["quota", "alice", "9M", "--db", db, "--data", pgDir]);
    assert.equal(quota.code, 0, quota.stderr);
    const replaced = await runFtpx(["import", "--replace", "--db", db, "--data", pgDir], {
      stdin: exported.stdout,
    });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(replaced.stdout, "Imported 3 accounts (0 new, 3 replaced)\n");
    // Login times move on (the server logged alice in above); everything else is the export's.
    const strip = (users: unknown[]) =>
      (users as { lastLogin: unknown }[]).map((user) => ({ ...user, lastLogin: null }));
    assert.deepEqual(strip(await usersOf(["--db", db, "--data", pgDir])), strip(before));

    // A bad line anywhere: nothing imported.
    const fresh = join(work.path, "fresh");
    const bad = await runFtpx(["import", "--data", fresh], {
      stdin: exported.stdout + '{"v":1,"name":"../x"}\n',
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: line 4: Invalid user name "\.\.\/x"/);
    await assert.rejects(Deno.stat(join(fresh, "ftpx.db")), Deno.errors.NotFound);

    // And back: PostgreSQL to a new SQLite data dir.
    const back = await runFtpx(["export", "--db", db, "--data", pgDir]);
    assert.equal(back.code, 0, back.stderr);
    const restored = await runFtpx(["import", "--data", fresh], { stdin: back.stdout });
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(
      strip(await usersOf(["--data", fresh])),
      strip(await usersOf(["--db", db, "--data", pgDir])),
    );
    {
      await using server = await TestServer.start({ dataDir: fresh });
      assert.equal((await server.client("alice", "alice-password", { command: "pwd" })).code, 0);
    }
  } finally {
    await postgres.stop();
  }
});
