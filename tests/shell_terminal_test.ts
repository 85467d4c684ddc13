/** The interactive shell on a terminal: Tab completion of commands and paths, and history. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const PASSWORD = "alice-secret";
/** Line editing needs a terminal that isn't "dumb" (readline then ignores Tab and arrows). */
const TERM = "xterm";

Deno.test("Tab completes remote paths for remote commands and local paths for local ones", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "reports-2026"));
  await Deno.writeTextFile(join(home, "reports-2026", "q1 summary.txt"), "remote only\n");
  await Deno.writeTextFile(join(local.path, "local-only.txt"), "local only\n");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, TERM },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      // A command name, then a remote directory (no such local one), then a file in it.
      { expect: "ftpx alice:/> ", send: "ch\t" },
      { expect: "checksum ", send: "\x15" },
      { expect: "ftpx alice:/> ", send: "cd rep\t" },
      { expect: "cd reports-2026/", send: "\r" },
      { expect: "ftpx alice:/reports-2026> ", send: "get q1\t" },
      { expect: "get q1\\ summary.txt ", send: "\r" },
      { expect: /get q1 summary\.txt: 12B? in/ },
      // A local file (no such remote one).
      { expect: "ftpx alice:/reports-2026> ", send: "put loc\t" },
      { expect: "put local-only.txt ", send: "\r" },
      { expect: /put local-only\.txt: 11B? in/ },
      { expect: "ftpx alice:/reports-2026> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.equal(await Deno.readTextFile(join(local.path, "q1 summary.txt")), "remote only\n");
  assert.equal(
    await Deno.readTextFile(join(home, "reports-2026", "local-only.txt")),
    "local only\n",
  );
});

Deno.test("history persists across sessions in FTPX_HOME/history, mode 0600, without passwords", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using config = await tempDir("ftpx-config-");
  const connect = ["connect", "-P", String(server.port), "-u", "alice"];
  const first = await runInTerminal(connect, {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, TERM },
    steps: [
      { expect: "ftpx alice:/> ", send: "mkdir from-history\r" },
      { expect: "ftpx alice:/> ", send: "passwd\r" },
      { expect: "Current password: ", send: `${PASSWORD}\r` },
      { expect: "New password: ", send: "brand-new-secret\r" },
      { expect: "Repeat password: ", send: "brand-new-secret\r" },
      { expect: "ftpx alice:/> ", send: "pwd\r" },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(first.code, 0, first.output);
  const file = join(config.path, "history");
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  assert.equal(await Deno.readTextFile(file), "mkdir from-history\npasswd\npwd\nexit\n");

  await Deno.remove(join(server.home("alice"), "from-history"));
  // Up three times: exit, pwd, passwd... the fourth is the mkdir of the first session.
  const second = await runInTerminal(connect, {
    env: { FTPX_PASSWORD: "brand-new-secret", FTPX_HOME: config.path, TERM },
    steps: [
      { expect: "ftpx alice:/> ", send: "\x1b[A\x1b[A\x1b[A\x1b[A" },
      { expect: "mkdir from-history", send: "\r" },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(second.code, 0, second.output);
  assert.ok((await Deno.stat(join(server.home("alice"), "from-history"))).isDirectory);
  assert.doesNotMatch(await Deno.readTextFile(file), /secret/);
});
