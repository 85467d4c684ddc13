/**
 * Hostile input over the wire, against a real server process and raw
 * sockets: oversize length prefixes, garbage, broken JSON, a header trickled
 * byte by byte, connections left half-open. Each time the attacked
 * connection gets a clear status and is closed, the server stays up, other
 * sessions carry on, and memory stays bounded.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { encodeFrame } from "../protocol/frame.ts";
import { limitOpenFiles, runProgram, TestServer } from "./_spawn.ts";
import { sendUntilHungUp, WireClient } from "./_wire.ts";

const PASSWORD = "alice-secret-1";

async function serverWithAlice(ini = ""): Promise<TestServer> {
  const server = await TestServer.start({ ini });
  await server.addUser("alice", PASSWORD);
  return server;
}

/** A logged-in session that must keep working while another connection misbehaves. */
async function bystander(server: TestServer): Promise<WireClient> {
  const client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  await client.request("mkdir", { path: "/still-here" });
  return client;
}

async function assertStillServing(client: WireClient): Promise<void> {
  const reply = await client.request("ls", { path: "/" });
  assert.equal(reply.status, 200, JSON.stringify(reply));
  assert.ok((reply.entries as { name: string }[]).some((entry) => entry.name === "still-here"));
}

function bigEndian(value: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let rest = value;
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Resident memory of a process, in bytes, as `ps` reports it. */
async function rssBytes(pid: number): Promise<number> {
  const output = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  const kb = new TextDecoder().decode(output.stdout).trim();
  assert.match(kb, /^\d+$/, `ps gave no RSS for ${pid}`);
  return Number(kb) * 1024;
}

Deno.test("a length prefix of 2^63 gets 413 and a close; other sessions carry on", async () => {
  await using server = await serverWithAlice();
  using other = await bystander(server);
  using attacker = await WireClient.connect(server.port);
  await attacker.send(bigEndian(2n ** 63n, 8));
  const frames = await attacker.untilClosed();
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.status, 413);
  assert.match(String(frames[0]!.message), /exceeds the limit of 32768.*closing connection/);
  await assertStillServing(other);
});

Deno.test("100 KB of garbage gets an error status and a close; other sessions carry on", async () => {
  await using server = await serverWithAlice();
  using other = await bystander(server);
  const garbage = new Uint8Array(100 * 1024);
  // Deterministic noise, starting with a plausible small length so the reader parses junk JSON.
  let seed = 12345;
  for (let i = 0; i < garbage.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    garbage[i] = seed >> 16;
  }
  for (const first of [[0, 0, 0, 40], [0x7f, 0xff, 0xff, 0xff], [0, 0, 0, 0]]) {
    garbage.set(first);
    using attacker = await WireClient.connect(server.port);
    const sent = attacker.send(garbage).catch(() => {});
    const frames = await attacker.untilClosed();
    await sent;
    assert.ok(frames.length >= 1, "expected a status before the close");
    assert.ok(
      frames.every((frame) => frame.status === 400 || frame.status === 413),
      JSON.stringify(frames),
    );
  }
  await assertStillServing(other);
});

Deno.test("a valid length with invalid JSON gets 400 and the session goes on", async () => {
  await using server = await serverWithAlice();
  using client = await WireClient.connect(server.port);
  for (const text of ["{not json", "[1,2,3]", '"a string"', "\u00ff\u00fe"]) {
    const json = new TextEncoder().encode(text);
    await client.send(new Uint8Array([...bigEndian(BigInt(json.length), 4), ...json]));
    const reply = await client.response();
    assert.equal(reply.status, 400, JSON.stringify(reply));
  }
  const invalidUtf8 = new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]);
  await client.send(new Uint8Array([0, 0, 0, 4, ...invalidUtf8]));
  assert.equal((await client.response()).status, 400);
  await client.logIn("alice", PASSWORD);
  assert.equal((await client.request("pwd")).cwd, "/");
});

Deno.test("a header trickled byte by byte is cut off after header_timeout", async () => {
  await using server = await serverWithAlice("header_timeout = 1\nidle_timeout = 600\n");
  using other = await bystander(server);
  using attacker = await WireClient.connect(server.port);
  const frame = encodeFrame({ op: "hello", version: 1, client: "x".repeat(4000) });
  let sent = 0;
  // The trickle is the attack; the test synchronises on the server closing the connection.
  const trickle = setInterval(() => {
    const index = sent++;
    attacker.send(frame.subarray(index, index + 1)).catch(() => clearInterval(trickle));
  }, 20);
  try {
    const frames = await attacker.untilClosed();
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.status, 408);
    assert.match(String(frames[0]!.message), /Request header not completed within 1s/);
    assert.ok(sent < frame.length, "the header must not have completed");
  } finally {
    clearInterval(trickle);
  }
  await assertStillServing(other);
});

Deno.test("half-open connections are closed and forgotten", async () => {
  await using server = await serverWithAlice("idle_timeout = 1\nheader_timeout = 30\n");
  // A peer that shuts its side mid-frame: told why, then closed.
  using halfFrame = await WireClient.connect(server.port);
  await halfFrame.send(encodeFrame({ op: "hello", version: 1 }).subarray(0, 9));
  await halfFrame.stream.closeWrite();
  const frames = await halfFrame.untilClosed();
  assert.equal(frames[0]?.status, 400);
  assert.match(String(frames[0]?.message), /closed inside a frame header/);

  // Peers that vanish without a word (never send, never close): the idle timeout ends them.
  const silent = await Promise.all(
    Array.from({ length: 5 }, () => WireClient.connect(server.port)),
  );
  try {
    for (const client of silent) {
      const closing = await client.untilClosed();
      assert.equal(closing[0]?.status, 408);
    }
  } finally {
    silent.forEach((client) => client.close());
  }
  const db = new DatabaseSync(join(server.dataDir, "ftpx.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM live_sessions").get() as { n: number };
    assert.equal(row.n, 0, "closed sessions must leave the registry");
  } finally {
    db.close();
  }
});

Deno.test("memory stays bounded while clients flood the server with garbage", async () => {
  await using server = await serverWithAlice();
  using other = await bystander(server);
  const before = await rssBytes(server.pid);
  const flood = new Uint8Array(5 * 1024 * 1024).fill(0x41); // "AAAA": a 1 GiB length prefix.
  await Promise.all(Array.from({ length: 20 }, async () => {
    using attacker = await WireClient.connect(server.port);
    const sending = attacker.send(flood).catch(() => {});
    await attacker.untilClosed().catch(() => []);
    attacker.close();
    await sending;
  }));
  const grown = (await rssBytes(server.pid)) - before;
  // 100 MB were thrown at the server; buffering them would show here.
  assert.ok(grown < 64 * 1024 * 1024, `server grew by ${grown} bytes`);
  await assertStillServing(other);
});

Deno.test("a client that stops reading a download is cut off; memory stays bounded", async () => {
  await using server = await serverWithAlice("transfer_timeout = 1\n");
  using other = await bystander(server);
  const size = 2 ** 30;
  const file = await Deno.open(join(server.home("alice"), "huge.bin"), {
    write: true,
    create: true,
  });
  await file.truncate(size); // Sparse: a gigabyte to send without using the disk.
  file.close();
  const before = await rssBytes(server.pid);

  using reader = await WireClient.connect(server.port);
  await reader.logIn("alice", PASSWORD);
  const reply = await reader.request("get", { path: "/huge.bin" });
  assert.equal(reply.status, 200, JSON.stringify(reply));
  assert.equal(reply.body, size);
  // Read nothing more. The server's writes block once the socket buffers are full; then only
  // the stall guard can end the transfer. Keep writing requests until the server hangs up:
  // the first write after it closed is answered with a reset.
  const pwd = encodeFrame({ op: "pwd" });
  const burst = new Uint8Array(pwd.length * 1000);
  for (let i = 0; i < 1000; i++) burst.set(pwd, i * pwd.length);
  await sendUntilHungUp((data) => reader.send(data), burst);
  const grown = (await rssBytes(server.pid)) - before;
  assert.ok(grown < 64 * 1024 * 1024, `server grew by ${grown} bytes for a stalled 1 GiB download`);
  await assertStillServing(other);
  await server.stop();
  assert.match(server.log, /transfer stalled peer=\S+ user=alice direction=sending seconds=1/);
  assert.doesNotMatch(server.log, /internal error/);
});

/** Opens `count` connections to `port` that each send `data` and reset at once (SO_LINGER 0). */
async function resetStorm(port: number, count: number, data: Uint8Array): Promise<void> {
  const script = `
import socket, struct, sys
for _ in range(${count}):
    try:
        s = socket.create_connection(("127.0.0.1", ${port}))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(bytes.fromhex(sys.argv[1]))
        s.close()
    except OSError:
        pass
`;
  const hex = Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const result = await runProgram("python3", ["-c", script, hex]);
  assert.equal(result.code, 0, result.stderr);
}

Deno.test("clients that reset their connection at once never take the server down", async () => {
  await using server = await serverWithAlice();
  using other = await bystander(server);
  await resetStorm(server.port, 200, encodeFrame({ op: "hello", version: 1 }));
  // Connections are accepted in order: once this one is served, every reset above was seen.
  using late = await WireClient.connect(server.port);
  await late.logIn("alice", PASSWORD);
  await assertStillServing(other);
  await server.stop();
  assert.doesNotMatch(server.log, /thread failed|Uncaught/);
});

Deno.test("running out of file descriptors refuses connections for a while, never stops the server", async () => {
  await using server = await serverWithAlice();
  using other = await bystander(server);
  // Room for a few more connections only.
  await limitOpenFiles(server.pid, 8);
  const held: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 24; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
    }
    await server.waitForLog(/accept failed detail=.*Too many open files/);
  } finally {
    held.forEach((conn) => conn.close());
  }
  // The descriptors are free again: the connections waiting in the backlog and new ones get in.
  using late = await WireClient.connect(server.port);
  await late.logIn("alice", PASSWORD);
  await assertStillServing(other);
  await server.stop();
  // Named in the failure itself: a disposal error after it would hide the assertion's message.
  const crashes = server.log.split("\n").filter((line) => /thread failed|Uncaught/.test(line));
  if (crashes.length > 0) console.error(`server crash lines:\n${crashes.join("\n")}`);
  assert.deepEqual(crashes, [], "the server logged a crash");
});
