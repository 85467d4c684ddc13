/**
 * Bandwidth limits per account, end to end: set with `ftpx adduser` and
 * `ftpx rate`, shown by `users` and `df`, and enforced on real transfers of
 * both protocols. Rates are checked as ratios with loose bounds (a busy
 * machine only makes a transfer slower, never faster than its limit).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { bytes } from "./_data.ts";
import { curl, ftpUrl, startFtpServer } from "./_ftp.ts";
import { runFtpx, tempDir } from "./_spawn.ts";
import { keyCommand, makeKey, sftpBatch, startSftpServer } from "./_sftp.ts";

const MIB = 1024 * 1024;
const PASSWORD = "bob-rate-secret";

/** Runs `work` and returns its rate in bytes per second for `size` bytes. */
async function rateOf(size: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return size / ((performance.now() - started) / 1000);
}

Deno.test("a download limit holds on the native protocol and FTP; ftpx rate shows and changes it", async () => {
  await using server = await startFtpServer();
  await server.addUser("bob", PASSWORD, ["--rate-down", "1M"]);
  const size = 3 * MIB;
  await Deno.writeFile(join(server.home("bob"), "big.bin"), bytes(size, 5));
  await using local = await tempDir("ftpx-local-");

  const native = await rateOf(size, async () => {
    const got = await server.client("bob", PASSWORD, { command: "get big.bin", cwd: local.path });
    assert.equal(got.code, 0, got.stderr);
  });
  // 3 MiB at 1 MiB/s, less the quarter-second burst: at least 2.5 s; scrypt and start-up add more.
  assert.ok(native <= 1.25 * MIB, `native get ran at ${Math.round(native)} B/s`);

  const ftp = await rateOf(size, async () => {
    const got = await curl([
      "-o",
      join(local.path, "ftp.bin"),
      ftpUrl(server, "bob", PASSWORD, "/big.bin"),
    ]);
    assert.equal(got.code, 0, got.stderr);
  });
  assert.ok(ftp <= 1.25 * MIB, `FTP RETR ran at ${Math.round(ftp)} B/s`);

  const data = ["--data", server.dataDir];
  const shown = await runFtpx(["rate", "bob", ...data]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(
    shown.stdout,
    'Rates of "bob": downloads 1M/s, uploads unlimited (server default)\n',
  );
  const lifted = await runFtpx(["rate", "bob", "--down", "0", ...data]);
  assert.equal(
    lifted.stdout,
    'Rates of "bob": downloads unlimited (server default), uploads unlimited (server default)\n',
  );
  const users = JSON.parse((await runFtpx(["users", "--json", ...data])).stdout);
  assert.equal(users.find((user: { name: string }) => user.name === "bob").rateDown, 0);

  // Lifted: the same download now runs far faster than the old limit.
  const free = await rateOf(size, async () => {
    const got = await server.client("bob", PASSWORD, {
      command: "get -f big.bin",
      cwd: local.path,
    });
    assert.equal(got.code, 0, got.stderr);
  });
  assert.ok(free > 1.25 * MIB, `unlimited get ran at only ${Math.round(free)} B/s`);
});

Deno.test("an upload limit holds; df shows the limits; an admin sets them from the shell", async () => {
  await using server = await startFtpServer();
  await server.addUser("bob", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  const size = 3 * MIB;
  await Deno.writeFile(join(local.path, "up.bin"), bytes(size, 6));

  const set = await server.client("admin", server.adminPassword, {
    stdin: "rate --up 1M bob\nrate bob\n",
  });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(
    set.stdout,
    'Rates of "bob": downloads unlimited (server default), uploads 1M/s\n'.repeat(2),
  );

  const df = await server.client("bob", PASSWORD, { command: "df" });
  assert.equal(
    df.stdout,
    "Used 0, no quota\nBandwidth per transfer: downloads unlimited, uploads 1M/s\n",
  );

  const native = await rateOf(size, async () => {
    const put = await server.client("bob", PASSWORD, { command: "put up.bin", cwd: local.path });
    assert.equal(put.code, 0, put.stderr);
  });
  assert.ok(native <= 1.25 * MIB, `native put ran at ${Math.round(native)} B/s`);

  const ftp = await rateOf(size, async () => {
    const put = await curl([
      "-T",
      join(local.path, "up.bin"),
      ftpUrl(server, "bob", PASSWORD, "/ftp.bin"),
    ]);
    assert.equal(put.code, 0, put.stderr);
  });
  assert.ok(ftp <= 1.25 * MIB, `FTP STOR ran at ${Math.round(ftp)} B/s`);
  assert.equal((await Deno.stat(join(server.home("bob"), "ftp.bin"))).size, size);
});

Deno.test("the download limit holds on SFTP too (OpenSSH's sftp)", async () => {
  await using server = await startSftpServer();
  await server.addUser("bob", PASSWORD, ["--rate-down", "1M"]);
  const size = 3 * MIB;
  await Deno.writeFile(join(server.home("bob"), "big.bin"), bytes(size, 7));
  await using local = await tempDir("ftpx-local-");
  const key = await makeKey(local.path, "bob_key");
  const added = await keyCommand(server, ["add", "bob", `${key}.pub`]);
  assert.equal(added.code, 0, added.stderr);
  const sftp = await rateOf(size, async () => {
    const got = await sftpBatch(server, "bob", { key }, "get big.bin\n", { cwd: local.path });
    assert.equal(got.code, 0, got.stderr);
  });
  assert.ok(sftp <= 1.25 * MIB, `SFTP get ran at ${Math.round(sftp)} B/s`);
  assert.equal((await Deno.stat(join(local.path, "big.bin"))).size, size);
});
