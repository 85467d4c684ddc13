/** Transfers on a terminal: the overwrite question, the progress bar, the resume offer at login. */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  fileSize,
  runFtpx,
  spawnFtpx,
  tempDir,
  TestServer,
  ThrottleProxy,
  waitFor,
} from "./_spawn.ts";
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

Deno.test("Ctrl-C during a transfer on a terminal leaves, keeping the partial for get", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = new Uint8Array(4 * MIB).map((_, i) => i % 253);
  await Deno.writeFile(join(server.home("alice"), "big.bin"), content);
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  const result = await runInTerminal(["connect", "-P", String(proxy.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "" },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "get big.bin\r" },
      { expect: /big\.bin +\s*\d+% /, send: "\x03" },
      { expect: "interrupted: unfinished transfers resume with get/put" },
    ],
  });
  assert.equal(result.code, 130, result.output);
  assert.equal(await fileSize(join(local.path, "big.bin")), -1);
  assert.ok(await fileSize(join(local.path, "big.bin.ftpx-part")) >= 0);
  assert.match(await Deno.readTextFile(join(config.path, "resume.ini")), /remote=\/big\.bin/);

  proxy.setLimits({});
  const again = await runFtpx(
    ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "get big.bin"],
    { cwd: local.path, env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path } },
  );
  assert.doesNotMatch(again.stderr, /no resume record/);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await Deno.readFile(join(local.path, "big.bin")), content);
});
