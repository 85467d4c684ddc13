/** Trees deeper than the path limit: none can be made through the server, and one the host made is measured and removed. */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeFrame } from "../protocol/frame.ts";
import { buildDeepTree } from "./_deep_tree.ts";
import { runFtpx, TestServer } from "./_spawn.ts";
import { WireClient } from "./_wire.ts";

const PASSWORD = "alice-secret";
/** A long name: a path reaches the limit in a few levels (the limit counts bytes). */
const LEVEL = "/" + "n".repeat(200);
/** 19 levels: "/d1" + 3,819 bytes, under the 4,096-byte path limit. */
const LEVELS = 19;

interface DuReport {
  name: string;
  measured: number;
  files: number;
  drift: number;
}

async function du(server: TestServer, ...args: string[]): Promise<DuReport[]> {
  const result = await runFtpx(["du", "--json", "--data", server.dataDir, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

Deno.test("moving a directory where the paths inside would outgrow the path limit is refused", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  using client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  // The five requests: two deep chains, a file at the bottom of one, then one moved into the other.
  const d1 = "/d1" + LEVEL.repeat(LEVELS);
  const d2 = "/d2" + LEVEL.repeat(LEVELS);
  for (const path of [d1, d2]) {
    assert.equal((await client.request("mkdir", { path, parents: true })).status, 201);
  }
  const body = new TextEncoder().encode("bottom");
  const sha256 = createHash("sha256").update(body).digest("hex");
  await client.send(encodeFrame({ op: "put", id: 0, path: `${d1}/f`, size: 6, sha256, body: 6 }));
  await client.send(body);
  assert.equal((await client.response()).status, 201);
  const moved = await client.request("mv", { from: "/d1", to: d2 });
  assert.equal(moved.status, 413, JSON.stringify(moved));
  assert.equal(
    moved.message,
    `Cannot move "/d1" to "${d2}/d1": paths inside would be longer than 4096 bytes`,
  );
  // Moving it up, or renaming it in place, is fine.
  assert.equal((await client.request("mv", { from: "/d1", to: "/e1" })).status, 200);
  assert.equal((await client.request("mv", { from: `/d2${LEVEL}`, to: "/up" })).status, 200);
  const [report] = await du(server, "alice");
  assert.equal(report?.measured, 6);
  for (const path of ["/e1", "/d2", "/up"]) {
    const removed = await client.request("rmdir", { path, recursive: true });
    assert.equal(removed.status, 200, JSON.stringify(removed));
  }
  assert.equal((await client.request("df")).used, 0);
});

Deno.test("du and rmdir -r work on a tree deeper than a path can name, made by the host", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  await server.addUser("bob", "bob-secret");
  const home = server.home("alice");
  const built = await buildDeepTree(home, 3, 1000);
  // Every account is measured, the deep one included.
  const reports = await du(server);
  const alice = reports.find((report) => report.name === "alice");
  assert.deepEqual({ bytes: alice?.measured, files: alice?.files }, built);
  using client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  assert.equal((await client.request("df")).used, built.bytes);
  const removed = await client.request("rmdir", { path: "/top", recursive: true });
  assert.equal(removed.status, 200, JSON.stringify(removed));
  assert.equal((await client.request("df")).used, 0, "the bytes were given back");
  // Nothing is left, the hidden place where deep directories were moved included.
  assert.deepEqual((await Array.fromAsync(Deno.readDir(home))).map((entry) => entry.name), []);
  const [after] = await du(server, "alice");
  assert.equal(after?.drift, 0);
});
