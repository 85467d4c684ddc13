/** Slow clients on both fronts: a login that never comes, and a transfer trickled a byte at a time. */

import assert from "node:assert/strict";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";
import { RawClient } from "./_raw.ts";
import { failAfter } from "./_wire.ts";
import { epsvPort, RawFtpClient, startFtpServer } from "./_ftp.ts";

/** Small limits, so each case ends in seconds. */
const SLOW_INI = "login_timeout = 1\nmin_rate = 1K\nmin_rate_window = 1\n";

/** Pace of the trickle: one byte every this many ms (about 10 B/s, far below min_rate). */
const TRICKLE_MS = 100;

/** Writes one byte every {@linkcode TRICKLE_MS} until `stop` settles or a write fails. */
async function trickle(write: (byte: Uint8Array) => Promise<unknown>, stop: Promise<unknown>) {
  let stopped = false;
  stop.finally(() => stopped = true).catch(() => {});
  try {
    while (!stopped) {
      await write(new Uint8Array([0x61]));
      await new Promise((resolve) => setTimeout(resolve, TRICKLE_MS));
    }
  } catch {
    // The server closed the connection: the trickle is over.
  }
}

Deno.test("a native session that does not log in within login_timeout is closed with 408", async () => {
  await using server = await startFtpServer({ ini: SLOW_INI });
  using client = await RawClient.connect(server.port);
  await client.expectOk({ op: "hello", version: PROTOCOL_VERSION });
  // A refused request keeps the session busy, but not alive past the deadline.
  assert.equal((await client.request({ op: "pwd", id: 1 })).status, 401);
  const cut = await failAfter(30_000, "no login timeout", () => client.receive());
  assert.deepEqual([cut.status, cut.message], [408, "Not logged in within 1s: closing connection"]);
  assert.ok(await client.closedByServer());
  await server.waitForLog(/login timeout .*seconds=1/);
});

Deno.test("an FTP session that does not log in within login_timeout gets 421 and is closed", async () => {
  await using server = await startFtpServer({ ini: SLOW_INI });
  await using ftp = await RawFtpClient.connect(server.ftpPort).then((raw) => raw.client);
  assert.equal(await ftp.command("USER alice"), "331 Password required");
  assert.equal(
    await failAfter(30_000, "no login timeout", () => ftp.readReply()),
    "421 Not logged in within 1s: closing connection",
  );
  assert.ok(await ftp.closedByServer());
});

Deno.test("a native upload trickled below min_rate is cut with 408, and the session closed", async () => {
  await using server = await startFtpServer({ ini: SLOW_INI });
  await server.addUser("alice", "alice-secret");
  using client = await RawClient.login(server.port, "alice", "alice-secret");
  await client.send({ op: "put", id: 2, path: "/slow.bin", size: 100_000, body: 100_000 });
  const answer = failAfter(60_000, "the trickle was never cut", () => client.receive());
  await trickle((byte) => client.sendBytes(byte), answer);
  const cut = await answer;
  assert.deepEqual(
    [cut.status, cut.message],
    [408, "Transfer slower than 1024 bytes/s over 1s: closing connection"],
  );
  await server.waitForLog(/transfer too slow .*user=alice direction=receiving min_rate=1024/);
});

Deno.test("an FTP upload trickled below min_rate is aborted with 426; the session goes on", async () => {
  await using server = await startFtpServer({ ini: SLOW_INI });
  await server.addUser("alice", "alice-secret");
  await using ftp = await RawFtpClient.connect(server.ftpPort).then((raw) => raw.client);
  assert.equal(await ftp.command("USER alice"), "331 Password required");
  assert.equal(await ftp.command("PASS alice-secret"), "230 Logged in as alice");
  const port = epsvPort(await ftp.command("EPSV"));
  using data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.match(await ftp.command("STOR slow.bin"), /^150 /);
  const answer = failAfter(60_000, "the trickle was never cut", () => ftp.readReply());
  await trickle((byte) => data.write(byte), answer);
  assert.equal(
    await answer,
    "426 Transfer slower than 1024 bytes/s over 1s: transfer aborted",
  );
  assert.equal(await ftp.command("NOOP"), "200 OK");
  await server.waitForLog(/transfer too slow .*user=alice direction=receiving .*protocol=ftp/);
});
