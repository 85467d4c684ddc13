/**
 * Clients that vanish in the middle of a transfer, as the load test does
 * on purpose: the server logs a lost connection (not an internal error),
 * keeps what an upload received for a resume, and serves everyone else.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Connection } from "../client/connection.ts";
import { writeAll, writeFrame } from "../protocol/frame_writer.ts";
import { TestServer } from "./_spawn.ts";

const MIB = 1024 * 1024;

async function logIn(server: TestServer, user: string, password: string): Promise<Connection> {
  const connection = await Connection.open({ host: "127.0.0.1", port: server.port });
  await connection.call("login", { user, password });
  return connection;
}

/** Asks `who` (one round trip each time) until only `expected` sessions are left. */
async function waitForSessions(admin: Connection, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (((await admin.call("who")).sessions as unknown[]).length > expected) {
    assert.ok(Date.now() < deadline, "the server never noticed the clients leaving");
  }
}

Deno.test("a client vanishing mid-put or mid-get is a lost connection: logged as such, partial kept", async () => {
  const server = await TestServer.start();
  try {
    await server.addUser("alice", "alice-secret");
    await Deno.mkdir(server.home("alice"), { recursive: true });
    // Sparse, and far larger than the socket buffers, so the server is still sending at the cut.
    const big = join(server.home("alice"), "big.bin");
    await Deno.writeFile(big, new Uint8Array());
    await Deno.truncate(big, 256 * MIB);
    const admin = await logIn(server, "admin", server.adminPassword);

    const uploader = await logIn(server, "alice", "alice-secret");
    await writeFrame(uploader.sink, { op: "put", id: 1, path: "up.bin", size: MIB, body: MIB });
    await writeAll(uploader.sink, new Uint8Array(64 * 1024).fill(7));
    uploader.close();

    const downloader = await logIn(server, "alice", "alice-secret");
    const reply = await downloader.call("get", { path: "big.bin" });
    assert.equal(reply.body, 256 * MIB);
    downloader.close();

    await waitForSessions(admin, 1);
    const again = await logIn(server, "alice", "alice-secret");
    const probe = await again.call("put_offset", { path: "up.bin", size: MIB });
    assert.equal(probe.offset, 64 * 1024, "the upload resumes after what the server received");
    again.close();
    admin.close();
  } finally {
    await server.stop();
  }
  assert.doesNotMatch(server.log, /internal error/);
  assert.match(server.log, /connection lost .*user=alice op=put/);
  assert.match(server.log, /connection lost .*user=alice op=get/);
});
