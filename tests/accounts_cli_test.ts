/** Host account commands (`adduser`, `passwd`, `users`) against a running server. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runFtpx, tempDir, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

Deno.test("adduser, users and passwd work while the server runs, and take effect at once", async () => {
  await using server = await TestServer.start();
  const data = ["--data", server.dataDir];

  const added = await runFtpx(["adduser", "bob", "--password-stdin", "--quota", "500M", ...data], {
    stdin: "bob-password-1\n",
  });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^Created user "bob" \(quota 500M, home .*\/home\/bob\)\n$/);
  const admin = await runFtpx(["adduser", "root2", "--admin", "--password-stdin", ...data], {
    stdin: "root2-password\n",
  });
  assert.match(admin.stdout, /^Created administrator "root2" \(quota unlimited/);

  const table = await runFtpx(["users", ...data]);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trimEnd().split("\n").map((line) => line.split(/\s{2,}/));
  assert.deepEqual(rows.map((row) => row.slice(0, 3)), [
    ["NAME", "ADMIN", "QUOTA"],
    ["admin", "yes", "unlimited"],
    ["bob", "no", "500M"],
    ["root2", "yes", "unlimited"],
  ]);
  const json = JSON.parse((await runFtpx(["users", "--json", ...data])).stdout);
  assert.deepEqual(json.map((user: { name: string; quota: number }) => [user.name, user.quota]), [
    ["admin", 0],
    ["bob", 500 * 1024 ** 2],
    ["root2", 0],
  ]);
  assert.ok(json.every((user: { created: string }) => !isNaN(Date.parse(user.created))));

  // The new account logs in to the running server.
  assert.equal((await server.client("bob", "bob-password-1", { command: "pwd" })).code, 0);

  const changed = await runFtpx(["passwd", "bob", "--password-stdin", ...data], {
    stdin: "bob-password-2\n",
  });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.stdout, 'Password of "bob" changed\n');
  const [oldPassword, newPassword] = await Promise.all([
    server.client("bob", "bob-password-1", { command: "pwd" }),
    server.client("bob", "bob-password-2", { command: "pwd" }),
  ]);
  assert.equal(oldPassword.code, 1);
  assert.match(oldPassword.stderr, /Login incorrect/);
  assert.equal(newPassword.code, 0, newPassword.stderr);
});

Deno.test("account commands refuse duplicates, unknown users and weak passwords with exit 1", async () => {
  await using server = await TestServer.start();
  const data = ["--data", server.dataDir];
  await server.addUser("bob", "bob-password");
  const cases: [string[], string, RegExp][] = [
    [["adduser", "bob"], "another-password\n", /^error: User "bob" already exists\n$/],
    [["adduser", "carol"], "short\n", /^error: Password too short: use at least 8 characters\n$/],
    [["adduser", "carol"], "\n", /^error: No password on standard input/],
    [["passwd", "nobody"], "whatever-pw\n", /^error: No user "nobody" \(see "ftpx users"\)\n$/],
    [["passwd", "bob"], "short\n", /^error: Password too short/],
  ];
  const results = await Promise.all(
    cases.map(([args, stdin]) => runFtpx([...args, "--password-stdin", ...data], { stdin })),
  );
  results.forEach((result, i) => {
    const [args, , stderr] = cases[i]!;
    assert.notEqual(result.code, 0, args.join(" "));
    assert.match(result.stderr, stderr, args.join(" "));
  });
  // Nothing changed: bob's password still works, carol does not exist.
  assert.equal((await server.client("bob", "bob-password", { command: "pwd" })).code, 0);
  const list = await runFtpx(["users", "--json", ...data]);
  assert.deepEqual(JSON.parse(list.stdout).map((u: { name: string }) => u.name), ["admin", "bob"]);
});

Deno.test("adduser without a terminal or --password-stdin explains and exits 2", async () => {
  await using server = await TestServer.start();
  const result = await runFtpx(["adduser", "carol", "--data", server.dataDir]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^error: No terminal to ask for a password: use --password-stdin \(see "ftpx adduser --help"\)\n$/,
  );
});

Deno.test("adduser on a terminal asks twice without echo and retries on a mismatch", async () => {
  await using server = await TestServer.start();
  const result = await runInTerminal(["adduser", "carol", "--data", server.dataDir], {
    steps: [
      { expect: "New password: ", send: "carol-pass-1\r" },
      { expect: "Repeat password: ", send: "carol-typo-1\r" },
      { expect: "Passwords do not match" },
      { expect: "New password: ", send: "short\r" },
      { expect: "Password too short" },
      { expect: "New password: ", send: "carol-pass-2\r" },
      { expect: "Repeat password: ", send: "carol-pass-2\r" },
      { expect: 'Created user "carol"' },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /carol-(pass|typo)|short\r/);
  assert.equal((await server.client("carol", "carol-pass-2", { command: "pwd" })).code, 0);
});

Deno.test("host commands refuse a data dir no server has used; adduser says it made one", async () => {
  await using dir = await tempDir();
  const missing = join(dir.path, "elsewhere");
  const commands = [
    ["users"],
    ["passwd", "bob", "--password-stdin"],
    ["deluser", "bob", "--yes"],
    ["quota", "bob", "1M"],
    ["disable", "bob"],
    ["enable", "bob"],
    ["du"],
  ];
  for (const args of commands) {
    const result = await runFtpx([...args, "--data", missing], { stdin: "bob-password\n" });
    assert.equal(result.code, 1, args.join(" "));
    assert.equal(
      result.stderr,
      `error: No ftpx data dir at "${missing}": give the server's with --data DIR ` +
        `(or run "ftpx serve" once to create it)\n`,
      args.join(" "),
    );
  }
  // Run in a directory with no data dir, the default one is not created either.
  assert.equal((await runFtpx(["users"], { cwd: dir.path })).code, 1);
  await assert.rejects(Deno.stat(missing), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(join(dir.path, "ftpx-data")), Deno.errors.NotFound);

  const added = await runFtpx(["adduser", "bob", "--password-stdin", "--data", missing], {
    stdin: "bob-password\n",
  });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(
    added.stderr,
    `Created a new data dir ${missing}: serve it with "ftpx serve --data ${missing}"\n`,
  );
  assert.equal(added.stdout, `Created user "bob" (quota unlimited, home ${missing}/home/bob)\n`);
  const listed = await runFtpx(["users", "--json", "--data", missing]);
  assert.deepEqual(JSON.parse(listed.stdout).map((user: { name: string }) => user.name), ["bob"]);
});

Deno.test("a data dir that is a file stops serve and the host commands with one clear line", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "not-a-dir");
  await Deno.writeTextFile(file, "");
  const serve = await runFtpx(["serve", "--port", "0", "--data", file]);
  assert.equal(serve.code, 1);
  assert.equal(
    serve.stderr,
    `error: Cannot use data dir "${file}": a file is in the way (give --data a directory)\n`,
  );
  const adduser = await runFtpx(["adduser", "bob", "--password-stdin", "--data", file], {
    stdin: "bob-password\n",
  });
  assert.equal(adduser.code, 1);
  assert.match(adduser.stderr, /^error: Cannot use data dir ".*not-a-dir": a file is in the way/);
});
