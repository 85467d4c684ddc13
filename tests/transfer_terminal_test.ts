/** Transfers on a terminal: the overwrite question, the progress bar, the resume offer at login. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileSize, spawnFtpx, tempDir, TestServer, ThrottleProxy, waitFor } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-secret";

Deno.test("on a terminal, get asks before overwriting and draws a progress bar", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const remote = new Uint8Array(2 * MIB).fill(42);
  await Deno.writeFile(join(server.home("alice"), "a.bin"), remote);
  await Deno.writeTextFile(join(local.path, "a.bin"), "precious");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "" },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "get a.bin\r" },
      { expect: 'Local file "a.bin" exists. Overwrite? [y/N] ', send: "n\r" },
      { expect: "skipped" },
      { expect: "ftpx alice:/> ", send: "get a.bin\r" },
      { expect: 'Local file "a.bin" exists. Overwrite? [y/N] ', send: "y\r" },
      { expect: /get a\.bin: 2M in \d/ },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(await Deno.readFile(join(local.path, "a.bin")), remote);
  // The bar: "\r", erase the line, then name and percent; erased again before the summary.
  const output = result.output.replaceAll("\x1b[2K", "<erase>");
  assert.match(output, /\r<erase>a\.bin +\s*\d+% /);
  assert.match(output, /\r<erase>(\r\n)?get a\.bin: 2M/);
});

Deno.test("after login on a terminal, unfinished downloads are offered and resumed", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = new Uint8Array(4 * MIB).map((_, i) => i % 251);
  await Deno.writeFile(join(server.home("alice"), "big.bin"), content);
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  const child = spawnFtpx(
    ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "get big.bin"],
    { cwd: local.path, env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path } },
  );
  try {
    await waitFor(
      async () => await fileSize(join(local.path, "big.bin.ftpx-part")) >= MIB,
      "the download to start",
    );
  } finally {
    child.kill("SIGKILL");
    await child.output();
  }
  proxy.setLimits({});
  const result = await runInTerminal(["connect", "-P", String(proxy.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path },
    steps: [
      { expect: "Unfinished downloads from" },
      { expect: /\/big\.bin -> .*big\.bin \(\d+(\.\d)?M of 4M\)/ },
      { expect: "Resume it? [y/N] ", send: "y\r" },
      { expect: /get big\.bin: 4M in \S+ \(\S+\), resumed at \d/ },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(await Deno.readFile(join(local.path, "big.bin")), content);
});

Deno.test("Ctrl-C during a get stops it, keeps the partial, and returns to the prompt", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = new Uint8Array(4 * MIB).map((_, i) => i % 253);
  await Deno.mkdir(join(server.home("alice"), "sub"));
  await Deno.writeFile(join(server.home("alice"), "sub", "big.bin"), content);
  // The download holds at 2M until the test lets connections go unlimited.
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  const result = await runInTerminal(["connect", "-P", String(proxy.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "" },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "cd sub\r" },
      { expect: "ftpx alice:/sub> ", send: "get big.bin\r" },
      { expect: /big\.bin +\s*\d+% /, then: () => proxy.setLimits({}), send: "\x03" },
      {
        expect:
          /Interrupted: get big\.bin stopped at \S+ of 4M, kept in ".*big\.bin\.ftpx-part": run get again to resume/,
      },
      // Logged in again, in the same remote directory; the partial resumes.
      { expect: "ftpx alice:/sub> ", send: "get big.bin\r" },
      { expect: /get big\.bin: 4M in \S+ \(\S+\), resumed at \d/ },
      { expect: "ftpx alice:/sub> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /no resume record|starting over/, result.output);
  assert.deepEqual(await Deno.readFile(join(local.path, "big.bin")), content);
  assert.equal(await fileSize(join(local.path, "big.bin.ftpx-part")), -1);
});

Deno.test("Ctrl-C during a put stops it, and put again resumes it", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = new Uint8Array(4 * MIB).map((_, i) => i % 247);
  await Deno.writeFile(join(local.path, "up.bin"), content);
  // Past 2M the proxy drops what the client sends, and sees it close (the server then does too).
  await using proxy = ThrottleProxy.start(server.port, { up: 2 * MIB, hold: "discard" });
  const result = await runInTerminal(["connect", "-P", String(proxy.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "" },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "put up.bin\r" },
      { expect: /up\.bin +\s*\d+% /, then: () => proxy.setLimits({}), send: "\x03" },
      {
        expect:
          /Interrupted: put up\.bin stopped .*; the server keeps what it got: put it again to resume/,
        // The server has let go of the cut upload (it would, over a real network, by now).
        then: async () => void await server.waitForLog(/disconnect .*user=alice/),
      },
      { expect: "ftpx alice:/> ", send: "put up.bin\r" },
      { expect: /put up\.bin: 4M in \S+ \(\S+\), resumed at \d/ },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(await Deno.readFile(join(server.home("alice"), "up.bin")), content);
});

Deno.test("Ctrl-C at Overwrite? answers no and keeps the shell; Ctrl-D leaves", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "remote");
  await Deno.writeTextFile(join(local.path, "a.txt"), "precious");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "get a.txt\r" },
      { expect: 'Local file "a.txt" exists. Overwrite? [y/N] ', send: "\x03" },
      { expect: "skipped" },
      { expect: "ftpx alice:/> ", send: "pwd\r" },
      { expect: "\r\n/\r\n" },
      { expect: "ftpx alice:/> ", send: "\x04" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /error|Interrupted/, result.output);
  assert.equal(await Deno.readTextFile(join(local.path, "a.txt")), "precious");
});
