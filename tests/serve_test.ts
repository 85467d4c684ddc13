/** Starting the server: where it listens, and refusing a port another server holds. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ftpxCommand, tempDir, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

/** Runs `ftpx serve ARGS` until it exits, or kills it once it says it listens (code -1). */
async function serveUntilListeningOrExit(args: string[]) {
  const { command, args: fullArgs } = ftpxCommand(["serve", ...args]);
  const child = new Deno.Command(command, { args: fullArgs, stdout: "piped", stderr: "piped" })
    .spawn();
  const stderr = new Response(child.stderr).text();
  let stdout = "";
  for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += text;
    if (stdout.includes("ftpx listening on")) {
      child.kill();
      await child.status;
      return { code: -1, stdout, stderr: await stderr };
    }
  }
  return { code: (await child.status).code, stdout, stderr: await stderr };
}

Deno.test("a second server on a port in use fails, touching nothing, and the first keeps serving", async () => {
  // Two threads, so the first server's sockets use SO_REUSEPORT.
  await using first = await TestServer.start({ ini: "workers = 2\n" });
  await using dir = await tempDir();
  const otherData = join(dir.path, "data");
  const second = await serveUntilListeningOrExit([
    "--port",
    String(first.port),
    "--data",
    otherData,
  ]);
  assert.equal(second.code, 1, "the second server started listening");
  assert.equal(second.stdout, "");
  assert.equal(
    second.stderr,
    `error: Cannot listen on 127.0.0.1:${first.port}: address in use (another server running? try --port)\n`,
  );
  await assert.rejects(Deno.stat(otherData), Deno.errors.NotFound);
  const check = await first.client("admin", first.adminPassword, { command: "pwd" });
  assert.equal(check.code, 0, check.stderr);
});

Deno.test("an FTP port in use is named as the FTP port, with the flag that changes it", async () => {
  await using first = await TestServer.start();
  await using dir = await tempDir();
  const second = await serveUntilListeningOrExit([
    "--port",
    "0",
    "--ftp-port",
    String(first.port),
    "--data",
    join(dir.path, "data"),
  ]);
  assert.equal(second.code, 1, "the second server started listening");
  assert.equal(
    second.stderr,
    `error: Cannot listen for FTP on 127.0.0.1:${first.port}: address in use (another server running? try --ftp-port)\n`,
  );
});

Deno.test("two listeners on one port are a usage error naming both flags, and nothing listens", async () => {
  await using dir = await tempDir();
  const data = join(dir.path, "data");
  const result = await serveUntilListeningOrExit([
    "--port",
    "2124",
    "--ftp-port",
    "2124",
    "--data",
    data,
  ]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /^error: --port and --ftp-port are both 2124: give each listener a port/,
  );
  await assert.rejects(Deno.stat(data), Deno.errors.NotFound, "nothing was created");
});

Deno.test("a host name that doesn't resolve is one line naming --host, not the resolver's text", async () => {
  await using dir = await tempDir();
  const result = await serveUntilListeningOrExit([
    "--host",
    "no-such-host.invalid",
    "--port",
    "0",
    "--data",
    join(dir.path, "data"),
  ]);
  assert.equal(result.code, 1, "the server started listening");
  assert.equal(
    result.stderr,
    "error: Cannot listen on no-such-host.invalid:0: unknown host (check --host)\n",
  );
  await assert.rejects(Deno.stat(join(dir.path, "data")), Deno.errors.NotFound);
});

Deno.test("serve creates the data dir private to its owner, with the account database", async () => {
  await using dir = await tempDir();
  await using server = await TestServer.start({ dataDir: join(dir.path, "data") });
  assert.ok(server.port > 0);
  assert.equal(server.dataDir, join(dir.path, "data"));
  assert.ok((await Deno.stat(join(server.dataDir, "ftpx.db"))).isFile);
  assert.equal((await Deno.stat(server.dataDir)).mode! & 0o777, 0o700);
});

Deno.test("in a data dir others may read, the account database and its journal are owner-only", async () => {
  await using dir = await tempDir();
  const dataDir = join(dir.path, "shared");
  await Deno.mkdir(dataDir, { mode: 0o755 });
  await Deno.chmod(dataDir, 0o755);
  await using server = await TestServer.start({ dataDir });
  await server.addUser("alice", "alice-secret");
  for (const name of ["ftpx.db", "ftpx.db-wal", "ftpx.db-shm"]) {
    const info = await Deno.stat(join(dataDir, name));
    assert.equal(info.mode! & 0o777, 0o600, name);
  }
});

Deno.test("the first admin password is not printed when stdout is not a terminal, only its file", async () => {
  await using dir = await tempDir();
  const dataDir = join(dir.path, "data");
  const result = await serveUntilListeningOrExit(["--port", "0", "--data", dataDir]);
  assert.equal(result.code, -1, result.stderr);
  const file = join(dataDir, "initial-admin-password");
  const password = (await Deno.readTextFile(file)).trim();
  assert.ok(password.length >= 20);
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
  assert.ok(!result.stdout.includes(password), result.stdout);
  assert.ok(!result.stderr.includes(password), result.stderr);
  assert.match(
    result.stdout,
    new RegExp(`Created administrator "admin"; its password is in ${file} \\(readable only`),
  );
});

Deno.test("on a terminal, the first start shows the admin password", async () => {
  await using dir = await tempDir();
  const dataDir = join(dir.path, "data");
  const result = await runInTerminal(["serve", "--port", "0", "--data", dataDir], {
    // Ctrl-C on the terminal stops the server (SIGINT), as an operator would.
    steps: [{ expect: "ftpx listening on", send: "\x03" }],
  });
  const password = (await Deno.readTextFile(join(dataDir, "initial-admin-password"))).trim();
  assert.ok(
    result.output.includes(`Created administrator "admin" with password ${password} (also in `),
    result.output,
  );
});

Deno.test("an IPv6 listen address prints in brackets, as a user types it back", async () => {
  await using dir = await tempDir();
  const args = ["--host", "::1", "--port", "0", "--ftp-port", "0", "--data", join(dir.path, "d")];
  const result = await serveUntilListeningOrExit(args);
  assert.equal(result.code, -1, result.stderr);
  assert.match(result.stdout, /^FTP on \[::1\]:\d+ /m);
  assert.match(result.stdout, /^ftpx listening on \[::1\]:\d+, data /m);
});
