/** Logging in from the real client: passwords from the environment, stdin and a terminal. */

import assert from "node:assert/strict";
import { TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const PASSWORD = "alice-secret";

Deno.test("a wrong password and an unknown user fail alike, in one line, with exit 1", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const [wrong, unknown, right] = await Promise.all([
    server.client("alice", "not-the-password", { command: "pwd" }),
    server.client("nobody", "not-the-password", { command: "pwd" }),
    server.client("alice", PASSWORD, { command: "pwd" }),
  ]);
  const expected = (user: string) =>
    `error: Login failed for "${user}" on 127.0.0.1:${server.port}: Login incorrect\n`;
  for (const [result, user] of [[wrong, "alice"], [unknown, "nobody"]] as const) {
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, expected(user));
  }
  assert.equal(right.code, 0, right.stderr);
  assert.equal(right.stdout, "/\n");
});

Deno.test("--password-stdin reads the first line; an empty stdin is a usage error", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const args = ["--password-stdin"];
  const ok = await server.client("alice", "ignored-env", { args, stdin: `${PASSWORD}\npwd\n` });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "/\n");
  const crlf = await server.client("alice", "", { args, stdin: `${PASSWORD}\r\npwd\r\n` });
  assert.equal(crlf.code, 0, crlf.stderr);
  const empty = await server.client("alice", "", { args, stdin: "" });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^error: No password on standard input/);
});

Deno.test("on a terminal, three wrong passwords end the client with exit 1, nothing echoed", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    steps: [
      { expect: "Password: ", send: "wrong-one\r" },
      { expect: "Login incorrect" },
      { expect: "Password: ", send: "wrong-two\r" },
      { expect: "Login incorrect" },
      { expect: "Password: ", send: "wrong-three\r" },
    ],
  });
  assert.equal(result.code, 1, result.output);
  assert.equal(result.output.match(/Login incorrect/g)?.length, 3, result.output);
  assert.match(result.output, /error: Login failed for "alice" on 127\.0\.0\.1:\d+\r\n$/);
  assert.doesNotMatch(result.output, /wrong-/);
  assert.doesNotMatch(result.output, /ftpx alice:/);
});

Deno.test("on a terminal, the user is asked for and a right password on the second try opens the shell", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const result = await runInTerminal(["connect", "-P", String(server.port)], {
    steps: [
      { expect: "User: ", send: "alice\r" },
      { expect: "Password: ", send: "wrong-one\r" },
      { expect: "Login incorrect" },
      { expect: "Password: ", send: `${PASSWORD}\r` },
      { expect: "Connected to 127.0.0.1:" },
      { expect: "ftpx alice:/> ", send: "mkdir -p docs/2024\r" },
      { expect: "ftpx alice:/> ", send: "cd docs\r" },
      { expect: "ftpx alice:/docs> ", send: "frobnicate\r" },
      { expect: 'error: unknown command "frobnicate"' },
      { expect: "ftpx alice:/docs> ", send: "cd nowhere\r" },
      { expect: 'error: Cannot enter "/docs/nowhere": not found' },
      { expect: "ftpx alice:/docs> ", send: "ls\r" },
      { expect: /d +0 +\S+ \S+ +2024\// },
      { expect: "ftpx alice:/docs> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, new RegExp(PASSWORD));
  assert.doesNotMatch(result.output, /wrong-one/);
  assert.ok((await Deno.stat(`${server.home("alice")}/docs/2024`)).isDirectory);
});

Deno.test("Ctrl-D at the password prompt gives up with exit 1", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    steps: [{ expect: "Password: ", send: "\x04" }],
  });
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, /error: Login failed for "alice"/);
});
