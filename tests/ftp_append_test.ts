/** APPE costs what it appends: a byte added to a big file is not a copy of it through the server. */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pasvPort, RawFtpClient, startFtpServer } from "./_ftp.ts";

const PASSWORD = "alice-secret";
const SMALL_BYTES = 64 * 1024;
const BIG_BYTES = 64 * 1024 * 1024;
/** Calls an append may make beyond the small one's: noise (the database, the log), never the file. */
const CALLS_SLACK = 30;

/** Read and write system calls a process made so far (`syscr` + `syscw` of /proc/PID/io). */
async function ioCalls(pid: number): Promise<number> {
  const output = await new Deno.Command("cat", { args: [`/proc/${pid}/io`], stdout: "piped" })
    .output();
  const text = new TextDecoder().decode(output.stdout);
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(text)?.[1]);
  return field("syscr") + field("syscw");
}

/** APPEs one byte (42) to `path`; returns the read and write calls the server made meanwhile. */
async function appendOneByte(ftp: RawFtpClient, pid: number, path: string): Promise<number> {
  const before = await ioCalls(pid);
  const port = pasvPort(await ftp.command("PASV"));
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.match(await ftp.command(`APPE ${path}`), /^150/);
  await data.write(new Uint8Array([42]));
  data.close();
  assert.match(await ftp.readReply(), /^226/);
  return await ioCalls(pid) - before;
}

Deno.test("APPE of one byte costs the server as much on a big file as on a small one", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", PASSWORD);
  const home = server.home("alice");
  const big = new Uint8Array(BIG_BYTES).map((_, index) => index % 251);
  await Deno.writeFile(join(home, "small.bin"), big.subarray(0, SMALL_BYTES));
  await Deno.writeFile(join(home, "big.bin"), big);
  await using ftp = (await RawFtpClient.connect(server.ftpPort)).client;
  assert.match(await ftp.command("USER alice"), /^331/);
  assert.match(await ftp.command(`PASS ${PASSWORD}`), /^230/);
  assert.match(await ftp.command("TYPE I"), /^200/);

  const small = await appendOneByte(ftp, server.pid, "/small.bin");
  const large = await appendOneByte(ftp, server.pid, "/big.bin");
  // Before, the file went through the server in chunks, read twice (copied into the partial,
  // then hashed) and written once: hundreds of calls more for the big one. Now the kernel
  // copies it (copy_file_range) in a call or two.
  assert.ok(large < small + CALLS_SLACK, `${large} calls for the big file, ${small} for the small`);

  const expected = new Uint8Array(BIG_BYTES + 1);
  expected.set(big);
  expected[BIG_BYTES] = 42;
  assert.deepEqual(await Deno.readFile(join(home, "big.bin")), expected);
  // Its sha256 is still right, computed on demand.
  const sha256 = createHash("sha256").update(expected).digest("hex");
  assert.match(
    await ftp.command("HASH /big.bin"),
    new RegExp(`^213 SHA-256 0-${BIG_BYTES + 1} ${sha256} `),
  );
});
