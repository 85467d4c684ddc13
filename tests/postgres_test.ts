/**
 * `ftpx serve --db postgres://...` end to end, against a real PostgreSQL
 * started for the test: migrate, host commands with --db, a native client
 * putting and getting files under a quota.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { POSTGRES_PASSWORD, withPostgres } from "./_postgres.ts";
import { bytes } from "./_data.ts";
import { runFtpx, tempDir, TestServer } from "./_spawn.ts";

Deno.test("serve --db: accounts in PostgreSQL, host commands with --db, put/get under a quota", async () => {
  await withPostgres(async (postgres) => {
    const db = await postgres.createDatabase("ftpx_e2e");
    await using work = await tempDir("ftpx-pg-e2e-");
    const dataDir = join(work.path, "data");

    // A host command before any schema: told what to do, nothing created.
    const early = await runFtpx(["users", "--db", db, "--data", dataDir]);
    assert.equal(early.code, 1);
    assert.match(
      early.stderr,
      /^error: No ftpx schema in postgres:\/\/postgres@127\.0\.0\.1:\d+\/ftpx_e2e: run "ftpx migrate --db /,
    );

    const created = await runFtpx(["migrate", "--db", db]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /^Created the ftpx schema in postgres:\/\/postgres@127\.0\.0\.1:\d+\/ftpx_e2e \(version \d+\)\n$/,
    );
    const again = await runFtpx(["migrate", "--db", db]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Schema of postgres:\/\/\S+ is current \(version \d+\)\n$/);

    await using server = await TestServer.start({ dataDir, args: ["--db", db] });
    assert.match(server.adminPassword, /^\S{20,}$/);

    const added = await runFtpx(
      ["adduser", "alice", "--quota", "1M", "--password-stdin", "--db", db, "--data", dataDir],
      { stdin: "alice-password\n" },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^Created user "alice" \(quota 1M, home .*\/data\/home\/alice\)\n$/);

    const local = join(work.path, "local");
    await Deno.mkdir(local);
    const content = bytes(300 * 1024);
    await Deno.writeFile(join(local, "a.bin"), content);
    await Deno.writeFile(join(local, "big.bin"), new Uint8Array(900 * 1024));
    const put = await server.client("alice", "alice-password", {
      command: "put a.bin; get -f a.bin back.bin; df",
      cwd: local,
    });
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(await Deno.readFile(join(local, "back.bin")), content);
    assert.deepEqual(await Deno.readFile(join(server.home("alice"), "a.bin")), content);

    // 300K used of 1M: 900K more is refused before any data flows.
    const over = await server.client("alice", "alice-password", {
      command: "put big.bin",
      cwd: local,
    });
    assert.equal(over.code, 1);
    assert.match(over.stderr, /quota exceeded, 300K used of 1M allowed/);

    const users = await runFtpx(["users", "--json", "--db", db, "--data", dataDir]);
    assert.equal(users.code, 0, users.stderr);
    const alice = JSON.parse(users.stdout).find((user: { name: string }) => user.name === "alice");
    assert.equal(alice.used, 300 * 1024);
    assert.equal(alice.quota, 1024 * 1024);
    assert.notEqual(alice.lastLogin, null);

    // Changes by host commands apply on the server at once: a new quota, a disabled account.
    const quota = await runFtpx(["quota", "alice", "2M", "--db", db, "--data", dataDir]);
    assert.equal(quota.code, 0, quota.stderr);
    const bigger = await server.client("alice", "alice-password", {
      command: "put big.bin",
      cwd: local,
    });
    assert.equal(bigger.code, 0, bigger.stderr);
    const disabled = await runFtpx(["disable", "alice", "--db", db, "--data", dataDir]);
    assert.equal(disabled.code, 0, disabled.stderr);
    const refused = await server.client("alice", "alice-password", { command: "pwd" });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /disabled/);

    // Nothing went to SQLite, and no password to the log.
    await assert.rejects(Deno.stat(join(dataDir, "ftpx.db")), Deno.errors.NotFound);
    assert.doesNotMatch(server.log, new RegExp(POSTGRES_PASSWORD));
  });
});

Deno.test("--db refuses a URL with a password without repeating it; an unreachable database is one clear error", async () => {
  await using work = await tempDir("ftpx-pg-cli-");
  const withPassword = "postgres://ftpx:hunter2-secret@127.0.0.1:5/files";
  for (const args of [["serve", "--port", "0"], ["users"], ["migrate"]]) {
    const result = await runFtpx([
      ...args,
      "--db",
      withPassword,
      ...(args[0] === "migrate" ? [] : ["--data", work.path]),
    ]);
    assert.equal(result.code, 2, `${args[0]}: ${result.stderr}`);
    assert.match(
      result.stderr,
      /^error: Invalid --db "postgres:\/\/ftpx:\*\*\*@127\.0\.0\.1:5\/files": a password in the URL is refused .* set FTPX_DB_PASSWORD or use a \.pgpass file/,
    );
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
  }
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = probe.addr.port;
  probe.close();
  const unreachable = await runFtpx([
    "migrate",
    "--db",
    `postgres://ftpx@127.0.0.1:${closed}/files`,
  ]);
  assert.equal(unreachable.code, 1);
  assert.equal(
    unreachable.stderr,
    `error: Cannot use PostgreSQL at postgres://ftpx@127.0.0.1:${closed}/files: connection refused (is it running, on that port?)\n`,
  );
});

Deno.test("PostgreSQL down: a login gets a clear temporary refusal, the node stays up, and recovers", async () => {
  await withPostgres(async (postgres) => {
    const db = await postgres.createDatabase("ftpx_outage");
    await using work = await tempDir("ftpx-pg-outage-");
    const dataDir = join(work.path, "data");
    await using server = await TestServer.start({ dataDir, args: ["--db", db] });
    const added = await runFtpx(
      ["adduser", "alice", "--password-stdin", "--db", db, "--data", dataDir],
      { stdin: "alice-password\n" },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal((await server.client("alice", "alice-password", { command: "pwd" })).code, 0);

    await postgres.pause();
    const refused = await server.client("alice", "alice-password", { command: "pwd" });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The accounts database is unreachable: try again in a moment/);

    await postgres.resume();
    const back = await server.client("alice", "alice-password", { command: "pwd" });
    assert.equal(back.code, 0, back.stderr);
    // TestServer.stop() fails the test if the server logged an internal error meanwhile.
  });
});
