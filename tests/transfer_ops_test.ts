/** The transfer operations on the wire, against a real server, with a raw protocol client. */

import assert from "node:assert/strict";
import { bytes, sha256 } from "./_data.ts";
import { join } from "node:path";
import { writeAll, writeFrame } from "../protocol/frame_writer.ts";
import { Connection } from "../client/connection.ts";
import { fileSize, TestServer, waitFor } from "./_spawn.ts";

async function logIn(server: TestServer, user: string, password: string): Promise<Connection> {
  const connection = await Connection.open({ host: "127.0.0.1", port: server.port });
  await connection.call("login", { user, password });
  return connection;
}

async function readBody(connection: Connection, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) filled += await connection.reader.readBody(out.subarray(filled));
  return out;
}

/** Sends a put with its body (and nothing else); returns the response. */
async function put(connection: Connection, fields: Record<string, unknown>, body: Uint8Array) {
  await writeFrame(connection.sink, { op: "put", id: 900, ...fields, body: body.length });
  await writeAll(connection.sink, body);
  return await connection.readResponse(900);
}

Deno.test("get sends a range with the file's identity; a stale tag gets 412", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const content = bytes(600_000);
  await Deno.writeFile(join(server.home("alice"), "a.bin"), content);
  const connection = await logIn(server, "alice", "alice-secret");
  try {
    const whole = await connection.call("get", { path: "a.bin" });
    assert.equal(whole.body, 600_000);
    assert.equal(whole.size, 600_000);
    assert.match(String(whole.tag), /^[0-9a-f]{16}$/);
    assert.deepEqual(await readBody(connection, 600_000), content);

    const range = await connection.call("get", {
      path: "/a.bin",
      offset: 500_000,
      length: 10,
      tag: whole.tag,
    });
    assert.equal(range.offset, 500_000);
    assert.equal(range.sha256, sha256(content), "cached by the first whole-file get");
    assert.deepEqual(await readBody(connection, 10), content.subarray(500_000, 500_010));

    const checksum = await connection.call("checksum", { path: "a.bin" });
    assert.equal(checksum.sha256, sha256(content));

    const stale = await connection.request("get", {
      path: "a.bin",
      offset: 1,
      tag: "0".repeat(16),
    });
    assert.equal(stale.status, 412);
    assert.match(stale.message, /changed on the server/);
    const missing = await connection.request("get", { path: "nope" });
    assert.equal(missing.status, 404);
    assert.equal((await connection.call("pwd")).cwd, "/", "the session goes on");
  } finally {
    connection.close();
  }
});

Deno.test("put then put_commit stores a verified file; a bad sha256 stores nothing", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const connection = await logIn(server, "alice", "alice-secret");
  const content = bytes(300_000, 5);
  try {
    const probe = await connection.call("put_offset", { path: "up.bin", size: content.length });
    assert.equal(probe.offset, 0);
    const received = await put(connection, { path: "up.bin", size: content.length }, content);
    assert.equal(received.status, 200, received.message);
    assert.equal(received.sha256, sha256(content));
    assert.equal(received.committed, false);
    await assert.rejects(Deno.stat(join(server.home("alice"), "up.bin")), Deno.errors.NotFound);
    const committed = await connection.call("put_commit", {
      path: "up.bin",
      sha256: sha256(content),
    });
    assert.equal(committed.status, 201);
    assert.deepEqual(await Deno.readFile(join(server.home("alice"), "up.bin")), content);

    await put(connection, { path: "bad.bin", size: 10 }, bytes(10));
    const bad = await connection.request("put_commit", { path: "bad.bin", sha256: "a".repeat(64) });
    assert.equal(bad.status, 412);
    await assert.rejects(Deno.stat(join(server.home("alice"), "bad.bin")), Deno.errors.NotFound);

    const oneShot = await put(connection, {
      path: "one.bin",
      size: 5,
      sha256: sha256(bytes(5)),
    }, bytes(5));
    assert.equal(oneShot.status, 201);
    assert.equal(oneShot.committed, true);
    const listing = await connection.call("ls", {});
    assert.deepEqual((listing.entries as { name: string }[]).map((e) => e.name), [
      "one.bin",
      "up.bin",
    ]);
  } finally {
    connection.close();
  }
});

Deno.test("quota: refused before data with used and allowed; concurrent uploads can't exceed it", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", "alice-secret", ["--quota", "1M"]);
  const first = await logIn(server, "alice", "alice-secret");
  const second = await logIn(server, "alice", "alice-secret");
  try {
    const tooBig = await first.request("put_offset", { path: "big", size: 2 * 1024 * 1024 });
    assert.equal(tooBig.status, 452);
    assert.equal(tooBig.message, 'Cannot upload "/big" (2M): quota exceeded, 0 used of 1M allowed');

    // First upload holds 600K while its body is still on the way.
    const body = bytes(600 * 1024);
    await writeFrame(first.sink, {
      op: "put",
      id: 1,
      path: "a",
      size: body.length,
      body: body.length,
    });
    await writeAll(first.sink, body.subarray(0, 1000));
    // The partial has started growing once the reservation is made: wait for it on disk.
    const partials = join(server.home("alice"), ".ftpx-partial");
    while (!(await Deno.stat(partials).then((i) => i.isDirectory, () => false))) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const refused = await put(second, { path: "b", size: 600 * 1024 }, bytes(600 * 1024));
    assert.equal(refused.status, 452);
    assert.match(refused.message, /held by uploads in progress\) of 1M allowed/);
    assert.equal((await second.call("pwd")).cwd, "/", "the refused session goes on");

    await writeAll(first.sink, body.subarray(1000));
    const done = await first.readResponse(1);
    assert.equal(done.status, 200, done.message);
    await first.call("put_commit", { path: "a", sha256: sha256(body) });
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("rm, rmdir -r and mv work inside the home only", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  await server.addUser("bob", "bob-secret-1");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "t/sub"), { recursive: true });
  await Deno.writeTextFile(join(home, "t/sub/f"), "x");
  await Deno.writeTextFile(join(home, "a"), "a");
  await Deno.writeTextFile(join(server.home("bob"), "keep"), "bob's");
  const connection = await logIn(server, "alice", "alice-secret");
  try {
    for (const path of ["../bob/keep", "/../../home/bob/keep"]) {
      assert.equal((await connection.request("rm", { path })).status, 404);
    }
    assert.equal(
      (await connection.request("rmdir", { path: "../bob", recursive: true })).status,
      404,
    );
    assert.equal((await connection.request("mv", { from: "a", to: "../bob/a" })).status, 404);
    assert.equal(await Deno.readTextFile(join(server.home("bob"), "keep")), "bob's");

    assert.equal((await connection.request("rmdir", { path: "t" })).status, 409);
    await connection.call("mv", { from: "a", to: "t" });
    assert.equal(await Deno.readTextFile(join(home, "t/a")), "a");
    await connection.call("rmdir", { path: "t", recursive: true });
    await connection.call("mkdir", { path: "e" });
    await connection.call("rmdir", { path: "e" });
    const left = await Array.fromAsync(Deno.readDir(home));
    assert.deepEqual(left.filter((e) => !e.name.startsWith(".")), []);
  } finally {
    connection.close();
  }
});

Deno.test("a listing too large for a header comes as a body, and the shell prints all of it", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const dir = join(server.home("alice"), "many");
  await Deno.mkdir(dir);
  const names = Array.from({ length: 2500 }, (_, i) => `entry-with-a-longish-name-${i}.txt`);
  await Promise.all(names.map((name) => Deno.writeFile(join(dir, name), new Uint8Array())));
  const connection = await logIn(server, "alice", "alice-secret");
  try {
    const raw = await connection.call("ls", { path: "many" });
    assert.equal(raw.count, 2500);
    assert.equal(typeof raw.body, "number");
    await readBody(connection, raw.body as number);
    const listing = await connection.list("many");
    assert.deepEqual(listing.entries.map((e) => e.name), [...names].sort());
    assert.equal((await connection.list("/")).entries.length, 1, "small listings stay inline");
  } finally {
    connection.close();
  }
  const shell = await server.client("alice", "alice-secret", { command: "ls many" });
  assert.equal(shell.code, 0, shell.stderr);
  assert.equal(shell.stdout.trimEnd().split("\n").length, 2500);
});

Deno.test("a 5 GiB sparse file: stat, ranges past 4 GiB and a resume offset over the wire", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const size = 5 * 2 ** 30;
  const file = await Deno.open(join(server.home("alice"), "huge.bin"), {
    write: true,
    create: true,
  });
  await file.truncate(size);
  await file.seek(size - 3, Deno.SeekMode.Start);
  await file.write(new Uint8Array([7, 8, 9]));
  file.close();
  const connection = await logIn(server, "alice", "alice-secret");
  try {
    const stat = await connection.call("stat", { path: "huge.bin" });
    assert.equal((stat.entry as { size: number }).size, size);
    const tail = await connection.call("get", { path: "huge.bin", offset: size - 5 });
    assert.equal(tail.size, size);
    assert.equal(tail.offset, size - 5);
    assert.equal(tail.body, 5);
    assert.deepEqual([...await readBody(connection, 5)], [0, 0, 7, 8, 9]);
    const past = await connection.request("get", { path: "huge.bin", offset: size + 1 });
    assert.equal(past.status, 400);
    const probe = await connection.call("put_offset", { path: "other.bin", size: size + 7 });
    assert.equal(probe.offset, 0);
  } finally {
    connection.close();
  }
});

Deno.test("put_offset reports a partial left by a dropped connection, for the same source only", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const content = bytes(400_000, 9);
  const dropped = await logIn(server, "alice", "alice-secret");
  await writeFrame(dropped.sink, {
    op: "put",
    id: 1,
    path: "r.bin",
    size: content.length,
    source: "s1",
    body: content.length,
  });
  await writeAll(dropped.sink, content.subarray(0, 300_000));
  const partials = join(server.home("alice"), ".ftpx-partial");
  await waitFor(async () => {
    const sizes = await Array.fromAsync(Deno.readDir(partials)).catch(() => []);
    return sizes.length === 1 && await fileSize(join(partials, sizes[0]!.name)) >= 200_000;
  }, "the partial upload to grow");
  dropped.close();

  const connection = await logIn(server, "alice", "alice-secret");
  try {
    const other = await connection.call("put_offset", {
      path: "r.bin",
      size: 400_000,
      source: "s2",
    });
    assert.equal(other.offset, 0);
    const same = await connection.call("put_offset", {
      path: "r.bin",
      size: 400_000,
      source: "s1",
    });
    const offset = same.offset as number;
    assert.ok(offset >= 200_000 && offset <= 300_000, `offset ${offset}`);
    assert.deepEqual(same.partial, { length: offset, size: 400_000, source: "s1" });
    const rest = await put(connection, {
      path: "r.bin",
      size: 400_000,
      offset,
      source: "s1",
      sha256: sha256(content),
    }, content.subarray(offset));
    assert.equal(rest.status, 201, rest.message);
    assert.deepEqual(await Deno.readFile(join(server.home("alice"), "r.bin")), content);
  } finally {
    connection.close();
  }
});
