/** Account commands on a terminal: confirmations, and new passwords asked twice without echo. */

import assert from "node:assert/strict";
import { runFtpx, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

Deno.test("deluser on a terminal asks first, and deletes nothing on no", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  const declined = await runInTerminal(["deluser", "bob", "--data", server.dataDir], {
    steps: [{ expect: 'Delete user "bob"? [y/N] ', send: "n\r" }, { expect: "Nothing deleted" }],
  });
  assert.equal(declined.code, 1, declined.output);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(server.home("bob"))), []);

  const purged = await runInTerminal(["deluser", "bob", "--purge", "--data", server.dataDir], {
    steps: [
      {
        expect: `Delete user "bob" and every file in ${server.home("bob")}? [y/N] `,
        send: "yes\r",
      },
      { expect: 'Deleted user "bob" and removed their home' },
    ],
  });
  assert.equal(purged.code, 0, purged.output);
  const users = await runFtpx(["users", "--json", "--data", server.dataDir]);
  assert.deepEqual(JSON.parse(users.stdout).map((user: { name: string }) => user.name), ["admin"]);
});

Deno.test("the interactive shell asks passwords without echo and confirms deletions", async () => {
  await using server = await TestServer.start();
  await server.addUser("bob", "bob-secret");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "admin"], {
    env: { FTPX_PASSWORD: server.adminPassword },
    steps: [
      { expect: "ftpx admin:/> ", send: "passwd bob\r" },
      { expect: "New password for bob: ", send: "fresh-secret1\r" },
      { expect: "Repeat password: ", send: "other-secret1\r" },
      { expect: "Passwords do not match" },
      { expect: "New password for bob: ", send: "fresh-secret1\r" },
      { expect: "Repeat password: ", send: "fresh-secret1\r" },
      { expect: 'Password of "bob" changed' },
      // The line editor works again after the secret prompt.
      { expect: "ftpx admin:/> ", send: "deluser bob\r" },
      { expect: 'Delete user "bob"? [y/N] ', send: "n\r" },
      { expect: "error: Nothing deleted" },
      { expect: "ftpx admin:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /fresh-secret1|other-secret1/);
  assert.equal((await server.client("bob", "fresh-secret1", { command: "pwd" })).code, 0);
});

Deno.test("connect --register on a terminal asks the new password twice", async () => {
  await using server = await TestServer.start({ ini: "allow_register = true\n" });
  const result = await runInTerminal(
    ["connect", "-P", String(server.port), "-u", "newbie", "--register", "-c", "pwd"],
    {
      steps: [
        { expect: "New password: ", send: "newbie-secret\r" },
        { expect: "Repeat password: ", send: "newbie-secret\r" },
        { expect: 'Registered "newbie" (quota unlimited)' },
      ],
    },
  );
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /newbie-secret/);
  assert.equal((await server.client("newbie", "newbie-secret", { command: "pwd" })).code, 0);
});

Deno.test("Ctrl-C at the shell prompt drops the half-typed line, as a shell does", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: "alice-secret" },
    steps: [
      { expect: "ftpx alice:/> ", send: "mkdir half" },
      { expect: "mkdir half", send: "\x03" },
      { expect: "^C" },
      { expect: "ftpx alice:/> ", send: "pwd\r" },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /error/, result.output);
  assert.match(result.output, /\r\n\/\r\n/, result.output);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(server.home("alice"))), []);
});
