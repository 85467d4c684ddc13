import assert from "node:assert/strict";
import { runFtpx, TestServer } from "./_spawn.ts";
import { WireClient } from "./_wire_client.ts";

const OPEN = "allow_register = true\ndefault_quota = 1M\n";

function register(server: TestServer, user: string, password: string, command = "df") {
  return runFtpx(
    ["connect", "-P", String(server.port), "-u", user, "--register", "--password-stdin"]
      .concat(["-c", command]),
    { stdin: password + "\n" },
  );
}

Deno.test("with registration off the client says so plainly and the server refuses it", async () => {
  await using server = await TestServer.start();
  const result = await register(server, "mallory", "mallory-secret");
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^error: Registration is disabled on 127\.0\.0\.1:\d+: ask its administrator/m,
  );

  // A client that skips the check is refused by the server too, and nothing is created.
  using wire = await WireClient.open(server.port);
  assert.equal(wire.hello?.register, false);
  const reply = await wire.request("register", { user: "mallory", password: "mallory-secret" });
  assert.equal(reply.status, 403);
  assert.match(reply.message, /^Registration is disabled on this server/);
  const users = await runFtpx(["users", "--json", "--data", server.dataDir]);
  assert.deepEqual(JSON.parse(users.stdout).map((u: { name: string }) => u.name), ["admin"]);
});

Deno.test("registration creates an account with the default quota and logs in to it", async () => {
  await using server = await TestServer.start({ ini: OPEN });
  const result = await register(server, "newbie", "newbie-secret", "pwd; df");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Registered "newbie" \(quota 1M\) on 127\.0\.0\.1:\d+/);
  assert.equal(result.stdout, "/\nUsed 0 of 1M (0%), 1M free\n");

  const again = await server.client("newbie", "newbie-secret", { command: "pwd" });
  assert.equal(again.code, 0, again.stderr);

  const taken = await register(server, "newbie", "other-secret");
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /^error: User "newbie" already exists$/m);
  // The name was taken: the first password still holds.
  assert.equal((await server.client("newbie", "newbie-secret", { command: "pwd" })).code, 0);

  const badName = await register(server, "Bad Name", "whatever-secret");
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /Invalid user name "Bad Name"/);

  // The shell's register command creates another account on the same server.
  const shell = await server.client("newbie", "newbie-secret", {
    stdin: "register friend\nfriend-secret\n",
  });
  assert.equal(shell.code, 0, shell.stderr);
  assert.match(
    shell.stdout,
    new RegExp(
      `^Registered "friend" \\(quota 1M\\); log in with "ftpx connect -P ${server.port} -u friend"$`,
      "m",
    ),
  );
  assert.equal((await server.client("friend", "friend-secret", { command: "pwd" })).code, 0);
});

Deno.test("registrations are limited per client address across server threads", async () => {
  await using server = await TestServer.start({
    ini: `${OPEN}register_limit = 3\nregister_window = 3600\nworkers = 2\n`,
  });
  const attempts = [["r1", "r1-secret1"], ["r2", "r2-secret2"], ["r1", "taken-name"]];
  for (const [user, password] of attempts) {
    // A fresh connection each time: the kernel may hand it to either thread.
    using wire = await WireClient.open(server.port);
    const reply = await wire.request("register", { user, password });
    assert.ok(reply.status === 201 || reply.status === 409, reply.message);
  }
  using wire = await WireClient.open(server.port);
  const refused = await wire.request("register", { user: "r3", password: "r3-secret3" });
  assert.equal(refused.status, 429);
  assert.match(
    refused.message,
    /^Too many registrations from 127\.0\.0\.1: try again in \d+ minutes$/,
  );

  const cli = await register(server, "r4", "r4-secret4");
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /error: Too many registrations from 127\.0\.0\.1/);
  const users = await runFtpx(["users", "--json", "--data", server.dataDir]);
  assert.deepEqual(JSON.parse(users.stdout).map((u: { name: string }) => u.name), [
    "admin",
    "r1",
    "r2",
  ]);
});
