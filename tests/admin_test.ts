import assert from "node:assert/strict";
import { join } from "node:path";
import { LiveClient } from "./_live_client.ts";
import { runFtpx, TestServer } from "./_spawn.ts";
import { WireClient } from "./_wire_client.ts";

const ADMIN_OPERATIONS: [string, Record<string, unknown>][] = [
  ["adduser", { user: "eve2", password: "eve2-secret" }],
  ["deluser", { user: "alice" }],
  ["setpasswd", { user: "alice", password: "stolen-secret" }],
  ["setquota", { user: "bob", quota: 0 }],
  ["users", {}],
  ["who", {}],
  ["disable", { user: "alice" }],
  ["enable", { user: "bob" }],
];

interface UserJson {
  name: string;
  admin: boolean;
  disabled: boolean;
  quota: number;
  used: number;
  rateDown: number;
  rateUp: number;
  lastLogin: string | null;
  created: string;
}

/** Accounts without their last login (which logging in to test changes). */
async function accountsState(server: TestServer) {
  return (await usersJson(server)).map(({ lastLogin: _, ...rest }) => rest);
}

async function usersJson(server: TestServer): Promise<UserJson[]> {
  const result = await runFtpx(["users", "--json", "--data", server.dataDir]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function host(server: TestServer, ...args: string[]) {
  return runFtpx([...args, "--data", server.dataDir]);
}

Deno.test("a non-admin is denied every admin operation, and nothing changes", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  await server.addUser("bob", "bob-secret", ["--quota", "1M"]);
  const before = await accountsState(server);
  using wire = await WireClient.open(server.port, { user: "bob", password: "bob-secret" });
  for (const [op, fields] of ADMIN_OPERATIONS) {
    const reply = await wire.request(op, fields);
    assert.equal(reply.status, 403, op);
    assert.equal(reply.message, `Only administrators may use "${op}"`);
  }
  assert.deepEqual(await accountsState(server), before);

  // The shell refuses them naming the command as typed, before asking for any password or
  // confirmation: no password line follows in stdin, and none is needed.
  const shellCommands: [string, string][] = [
    ["users", "users"],
    ["users --json", "users"],
    ["who", "who"],
    ["quota alice 1K", "quota NAME SIZE"],
    ["disable alice", "disable"],
    ["enable alice", "enable"],
    ["adduser eve", "adduser"],
    ["deluser alice", "deluser"],
    ["deluser --yes --purge alice", "deluser"],
    ["passwd alice", "passwd NAME"],
  ];
  const results = await Promise.all(
    shellCommands.map(([command]) => server.client("bob", "bob-secret", { stdin: `${command}\n` })),
  );
  results.forEach((result, i) => {
    const [command, shown] = shellCommands[i]!;
    assert.equal(result.code, 1, command);
    assert.equal(result.stderr, `error: Only administrators may use "${shown}"\n`, command);
  });
  // What anyone may do still works: one's own space.
  const own = await server.client("bob", "bob-secret", { command: "quota" });
  assert.equal(own.stdout, "Used 0 of 1M (0%), 1M free\n");
  assert.deepEqual(await accountsState(server), before);
});

Deno.test("an admin manages accounts from the shell, and each action is logged with who did it", async () => {
  const server = await TestServer.start({ ini: "default_quota = 2M\n" });
  try {
    const script = [
      "adduser --quota 5M carol",
      "carol-secret1",
      "adduser --admin dora",
      "dora-secret1",
      "quota carol 7M",
      "passwd carol",
      "carol-secret2",
      "disable dora",
      "enable dora",
      "users --json",
      "who",
    ].join("\n") + "\n";
    const result = await server.client("admin", server.adminPassword, { stdin: script });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 6), [
      'Created user "carol" (quota 5M)',
      'Created administrator "dora" (quota 2M)',
      'Quota of "carol" set to 7M (0 used)',
      'Password of "carol" changed',
      'Disabled user "dora"',
      'Enabled user "dora"',
    ]);
    const users: UserJson[] = JSON.parse(lines[6]!);
    const carol = users.find((user) => user.name === "carol")!;
    assert.deepEqual({ ...carol, created: undefined }, {
      name: "carol",
      admin: false,
      disabled: false,
      quota: 7 * 1024 * 1024,
      used: 0,
      rateDown: 0,
      rateUp: 0,
      lastLogin: null,
      created: undefined,
    });
    assert.ok(Date.parse(carol.created) <= Date.now());
    assert.ok(Date.parse(users.find((user) => user.name === "admin")!.lastLogin!) > 0);
    assert.match(lines[7]!, /^USER +ADDRESS +PROTOCOL +NODE +SINCE +ACTIVITY$/);
    assert.match(
      lines[8]!,
      /^admin +127\.0\.0\.1:\d+ +ftpx +\S+:pid\d+ +\d{4}-\d\d-\d\d \d\d:\d\d +idle$/,
    );

    assert.equal((await server.client("carol", "carol-secret2", { command: "pwd" })).code, 0);
    const deleted = await server.client("admin", server.adminPassword, {
      command: "deluser --yes --purge carol",
    });
    assert.equal(deleted.stdout, 'Deleted user "carol" and their files\n');
    const self = await server.client("admin", server.adminPassword, { command: "disable admin" });
    assert.match(self.stderr, /You cannot disable your own account while logged in to it/);
  } finally {
    await server.stop();
  }
  for (const action of ["adduser", "setquota", "setpasswd", "disable", "enable", "deluser"]) {
    assert.match(
      server.log,
      new RegExp(`admin action by=admin peer=127\\.0\\.0\\.1:\\d+ action=${action} target=\\w+`),
    );
  }
  assert.doesNotMatch(server.log, /carol-secret/);
});

Deno.test("deluser on the host ends a logged-in user's session and keeps the home", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  await Deno.writeTextFile(join(server.home("bob"), "report.txt"), "quarterly numbers");
  await using bob = await LiveClient.open(server.port, "bob", "bob-secret");
  assert.deepEqual(await bob.run("pwd"), { stdout: "/\n", alive: true });

  const refused = await host(server, "deluser", "bob");
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Not deleting "bob": no terminal to confirm on; add --yes/);
  assert.deepEqual(await bob.run("pwd"), { stdout: "/\n", alive: true });

  const deleted = await host(server, "deluser", "bob", "--yes");
  assert.equal(deleted.code, 0, deleted.stderr);
  const kept = /their files are kept in (\S+)\n$/.exec(deleted.stdout)?.[1];
  assert.ok(kept?.startsWith(join(server.dataDir, "deleted", "bob-")), deleted.stdout);
  assert.equal(await Deno.readTextFile(join(kept!, "report.txt")), "quarterly numbers");

  assert.deepEqual(await bob.run("pwd"), { stdout: "", alive: false });
  const ended = await bob.finish();
  assert.equal(ended.code, 1);
  assert.match(ended.stderr, /^error: Session ended: account "bob" was deleted$/m);

  const login = await server.client("bob", "bob-secret", { command: "pwd" });
  assert.match(login.stderr, /Login incorrect/);
});

Deno.test("deluser --purge from an admin's shell ends the session and removes the files", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  await Deno.writeTextFile(join(server.home("bob"), "a.txt"), "x");
  await using bob = await LiveClient.open(server.port, "bob", "bob-secret");
  assert.equal((await bob.run("pwd")).alive, true);

  const result = await server.client("admin", server.adminPassword, {
    command: "deluser --purge --yes bob",
  });
  assert.equal(result.code, 0, result.stderr);
  await assert.rejects(Deno.stat(server.home("bob")), Deno.errors.NotFound);
  const deletedDir = await Array.fromAsync(Deno.readDir(join(server.dataDir, "deleted")));
  assert.deepEqual(deletedDir, []);

  assert.equal((await bob.run("df")).alive, false);
  assert.match((await bob.finish()).stderr, /Session ended: account "bob" was deleted/);
});

Deno.test("disable ends live sessions and refuses logins; enable lets the user back in", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  await Deno.writeTextFile(join(server.home("bob"), "keep.txt"), "kept");
  await using bob = await LiveClient.open(server.port, "bob", "bob-secret");
  assert.equal((await bob.run("pwd")).alive, true);

  const disabled = await server.client("admin", server.adminPassword, { command: "disable bob" });
  assert.equal(disabled.stdout, 'Disabled user "bob"\n');
  assert.equal((await bob.run("pwd")).alive, false);
  assert.match((await bob.finish()).stderr, /^error: Session ended: account "bob" was disabled$/m);

  const refused = await server.client("bob", "bob-secret", { command: "pwd" });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: Account "bob" is disabled: ask an administrator$/m);
  // A wrong password still gets the same answer as for any unknown account.
  const wrong = await server.client("bob", "not-the-secret", { command: "pwd" });
  assert.match(wrong.stderr, /Login incorrect/);
  assert.equal((await usersJson(server)).find((user) => user.name === "bob")!.disabled, true);

  assert.equal((await host(server, "enable", "bob")).stdout, 'Enabled user "bob"\n');
  const back = await server.client("bob", "bob-secret", { command: "ls" });
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /keep\.txt/);
  // The host command disables as well.
  assert.equal((await host(server, "disable", "bob")).code, 0);
  assert.match((await server.client("bob", "bob-secret", { command: "pwd" })).stderr, /disabled/);
});

Deno.test("a quota change applies mid-session; lowering it below use deletes nothing", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret", ["--quota", "10M"]);
  await using bob = await LiveClient.open(server.port, "bob", "bob-secret");
  assert.equal((await bob.run("df")).stdout, "Used 0 of 10M (0%), 10M free\n");

  assert.match((await host(server, "quota", "bob", "5M")).stdout, /Quota of "bob" set to 5M/);
  assert.equal((await bob.run("df")).stdout, "Used 0 of 5M (0%), 5M free\n");

  await Deno.writeFile(join(server.home("bob"), "big.bin"), new Uint8Array(3072));
  assert.equal((await host(server, "du", "bob")).code, 0);
  const lowered = await server.client("admin", server.adminPassword, { command: "quota bob 1K" });
  assert.equal(
    lowered.stdout,
    'Quota of "bob" set to 1K (3K used: over quota, new uploads are refused; nothing is deleted)\n',
  );
  assert.equal(
    (await bob.run("quota")).stdout,
    "Used 3K of 1K (300%): over quota, uploads are refused until you free 2K\n",
  );
  assert.equal((await Deno.stat(join(server.home("bob"), "big.bin"))).size, 3072);

  await host(server, "quota", "bob", "0");
  assert.equal((await bob.run("df")).stdout, "Used 3K, no quota\n");
  assert.equal((await bob.finish()).code, 0);
});

Deno.test("passwd needs the current password, and other sessions of the account end", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  await using other = await LiveClient.open(server.port, "bob", "bob-secret");
  assert.equal((await other.run("pwd")).alive, true);

  const wrong = await server.client("bob", "bob-secret", {
    stdin: "passwd\nnot-my-password\nnew-secret1\n",
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Current password is incorrect: password not changed/);
  assert.equal((await other.run("pwd")).alive, true);

  const changed = await server.client("bob", "bob-secret", {
    stdin: "passwd\nbob-secret\nnew-secret1\ndf\n",
  });
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.stdout, 'Password of "bob" changed\nUsed 0, no quota\n');

  assert.equal((await other.run("pwd")).alive, false);
  assert.match(
    (await other.finish()).stderr,
    /Session ended: the password of "bob" was changed: log in again/,
  );
  assert.match((await server.client("bob", "bob-secret", { command: "pwd" })).stderr, /incorrect/);
  assert.equal((await server.client("bob", "new-secret1", { command: "pwd" })).code, 0);

  // An admin's reset ends the user's sessions too.
  await using again = await LiveClient.open(server.port, "bob", "new-secret1");
  assert.equal((await again.run("pwd")).alive, true);
  const reset = await server.client("admin", server.adminPassword, {
    stdin: "passwd bob\nreset-secret1\n",
  });
  assert.equal(reset.stdout, 'Password of "bob" changed\n');
  assert.equal((await again.run("pwd")).alive, false);
  assert.equal((await server.client("bob", "reset-secret1", { command: "pwd" })).code, 0);
});

Deno.test("an admin's adduser refuses a bad name before asking for its password", async () => {
  await using server = await TestServer.start();
  const result = await server.client("admin", server.adminPassword, { stdin: "adduser Eve!\n" });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'error: Invalid user name "Eve!": use 1 to 32 of a-z 0-9 _ . - (not starting with . or -) ' +
      "(usage: adduser [--admin] [--quota SIZE] [--rate-down SIZE] [--rate-up SIZE] NAME)\n",
  );
});

Deno.test("an admin's adduser of a taken name and passwd of an unknown one fail before any password", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  // No password lines follow: a prompt would meet the end of input instead.
  const taken = await server.client("admin", server.adminPassword, { stdin: "adduser bob\n" });
  assert.equal(taken.code, 1);
  assert.equal(taken.stderr, 'error: User "bob" already exists\n');
  const unknown = await server.client("admin", server.adminPassword, { stdin: "passwd nobody\n" });
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'error: No user "nobody"\n');
});
