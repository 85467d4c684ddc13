/**
 * The jail against a second session of the same user renaming a symlink
 * leading out of the home over a directory, again and again, while the first
 * session works through that directory, over the native protocol and FTP.
 * Nothing may be created, removed or described outside the home.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { encodeFrame, type FrameHeader } from "../protocol/frame.ts";
import { pasvPort, RawFtpClient, readAll, startFtpServer } from "./_ftp.ts";
import { WireClient } from "./_wire.ts";

const PASSWORD = "alice-secret";
/** Requests each attacking session sends (bounded: the race test stays a few seconds). */
const NATIVE_ROUNDS = 60;
const FTP_ROUNDS = 30;
/** Size of the outside file whose metadata must never be told: no file inside has it. */
const SECRET_SIZE = 12_345;

/** Every name under `dir` with its type and size: what "untouched" means for the outside. */
async function snapshot(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    const info = await Deno.lstat(path);
    found.push(`${prefix}${entry.name} ${info.isDirectory ? "dir" : info.size}`);
    if (entry.isDirectory) found.push(...await snapshot(path, `${prefix}${entry.name}/`));
  }
  return found.sort();
}

/** `mv d d_real; mv out_abs d; mv d out_abs; mv d_real d` until told to stop. */
async function swapLoop(client: WireClient, stop: { done: boolean }): Promise<number> {
  let swaps = 0;
  while (!stop.done) {
    await moveExactly(client, "/d", "/d_real");
    await moveExactly(client, "/out_abs", "/d");
    await moveExactly(client, "/d", "/out_abs");
    await moveExactly(client, "/d_real", "/d");
    swaps++;
  }
  return swaps;
}

/**
 * Renames `from` to `to`. The other session's `mkdir -p /d/...` may have made
 * a new `/d` while d was away: the entry then went into it (or was refused),
 * so it is taken back, that `/d` dropped, and the move made again.
 */
async function moveExactly(client: WireClient, from: string, to: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const reply = await client.request("mv", { from, to });
    if (reply.status === 200 && reply.to === to) return;
    if (reply.status === 200) {
      const back = await client.request("mv", { from: reply.to, to: from });
      assert.equal(back.status, 200, JSON.stringify(back));
    } else assert.equal(reply.status, 409, `mv ${from} ${to}: ${JSON.stringify(reply)}`);
    await client.request("rmdir", { path: to, recursive: true });
  }
  assert.fail(`mv ${from} ${to} kept failing`);
}

interface Leaks {
  described: string[];
}

async function nativeAttack(client: WireClient, leaks: Leaks): Promise<void> {
  const body = new TextEncoder().encode("uploaded");
  const sha256 = createHash("sha256").update(body).digest("hex");
  for (let round = 0; round < NATIVE_ROUNDS; round++) {
    await client.request("mkdir", { path: `/d/m${round}` });
    await client.request("mkdir", { path: `/d/p${round}/q`, parents: true });
    await client.send(
      encodeFrame({ op: "put", id: 0, path: `/d/f${round}`, size: body.length, sha256, body: 8 }),
    );
    await client.send(body);
    await client.response();
    await client.request("rm", { path: "/d/victim.txt" });
    await client.request("rmdir", { path: "/d/victim_dir" });
    await client.request("mv", { from: "/d/victim2.txt", to: "/moved.txt" });
    const stat = await client.request("stat", { path: "/d/secret.txt" });
    if (stat.status === 200) leaks.described.push(`stat ${JSON.stringify(stat)}`);
    const list = await client.request("ls", { path: "/d" });
    if (listed(list)) leaks.described.push(`ls ${JSON.stringify(list)}`);
  }
}

function listed(reply: FrameHeader): boolean {
  const entries = (reply.entries ?? []) as { name: string }[];
  return entries.some((entry) => entry.name === "secret.txt");
}

async function ftpData(
  ftp: RawFtpClient,
  command: string,
  send?: string,
): Promise<{ reply: string; data: string }> {
  const port = pasvPort(await ftp.command("PASV"));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const opening = await ftp.command(command);
  if (!opening.startsWith("150")) {
    conn.close();
    return { reply: opening, data: "" };
  }
  let data = "";
  if (send === undefined) data = await readAll(conn);
  else {
    await conn.write(new TextEncoder().encode(send));
    conn.close();
  }
  return { reply: await ftp.readReply(), data };
}

async function ftpAttack(ftp: RawFtpClient, leaks: Leaks): Promise<void> {
  for (let round = 0; round < FTP_ROUNDS; round++) {
    await ftp.command(`MKD /d/fm${round}`);
    await ftpData(ftp, `STOR /d/fs${round}`, "stored");
    await ftp.command("DELE /d/victim.txt");
    await ftp.command("RMD /d/victim_dir");
    for (const verb of ["SIZE", "MDTM", "MLST"]) {
      const reply = await ftp.command(`${verb} /d/secret.txt`);
      if (/^2/.test(reply)) leaks.described.push(`${verb} ${reply}`);
    }
    const { data } = await ftpData(ftp, "LIST /d");
    if (data.includes("secret.txt")) leaks.described.push(`LIST ${data}`);
  }
}

Deno.test("a second session renaming a symlink leading out over a directory never makes a request act or look outside", async () => {
  await using server = await startFtpServer({ ini: "workers = 2\n" });
  await server.addUser("alice", PASSWORD);
  const outside = await Deno.makeTempDir({ prefix: "ftpx-outside-" });
  try {
    await Deno.writeTextFile(join(outside, "secret.txt"), "s".repeat(SECRET_SIZE));
    await Deno.writeTextFile(join(outside, "victim.txt"), "victim");
    await Deno.writeTextFile(join(outside, "victim2.txt"), "victim2");
    await Deno.mkdir(join(outside, "victim_dir"));
    const home = server.home("alice");
    await Deno.mkdir(join(home, "d"));
    await Deno.symlink(outside, join(home, "out_abs"));
    const before = await snapshot(outside);

    using swapper = await WireClient.connect(server.port);
    await swapper.logIn("alice", PASSWORD);
    using native = await WireClient.connect(server.port);
    await native.logIn("alice", PASSWORD);
    await using ftp = (await RawFtpClient.connect(server.ftpPort)).client;
    assert.match(await ftp.command("USER alice"), /^331/);
    assert.match(await ftp.command(`PASS ${PASSWORD}`), /^230/);

    const leaks: Leaks = { described: [] };
    const stop = { done: false };
    const swapping = swapLoop(swapper, stop);
    try {
      await Promise.all([nativeAttack(native, leaks), ftpAttack(ftp, leaks)]);
    } finally {
      stop.done = true;
    }
    const swaps = await swapping;
    assert.ok(swaps > 0, "the swapper ran");

    assert.deepEqual(await snapshot(outside), before, "the outside directory is untouched");
    assert.deepEqual(leaks.described, [], "nothing outside was described");
    // The home is whole again: d is the real directory, out_abs the link.
    assert.equal((await Deno.lstat(join(home, "d"))).isDirectory, true);
    assert.equal((await Deno.lstat(join(home, "out_abs"))).isSymlink, true);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
