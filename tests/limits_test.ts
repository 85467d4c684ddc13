/**
 * The limits in conf/server.ini, end to end against a real server: sessions
 * in all and per address, login rate and bans (from two loopback addresses),
 * header size, path length, listing size, and a client that stops reading.
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../protocol/frame.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";
import { tempDir, TestServer } from "./_spawn.ts";
import { RawFtpClient } from "./_ftp.ts";
import { sendUntilHungUp, WireClient } from "./_wire.ts";

const PASSWORD = "alice-limits-1";

async function serverWithAlice(ini: string, dataDir?: string): Promise<TestServer> {
  const server = await TestServer.start({ ini, ...(dataDir ? { dataDir } : {}) });
  await server.addUser("alice", PASSWORD);
  return server;
}

async function helloFrom(port: number, from?: string): Promise<WireClient> {
  const client = await WireClient.connect(port, from ? { from } : {});
  const hello = await client.request("hello", { version: PROTOCOL_VERSION });
  assert.equal(hello.status, 200, JSON.stringify(hello));
  return client;
}

/** Quits and waits until the server has let the session go. */
async function quit(client: WireClient): Promise<void> {
  await client.send(encodeFrame({ op: "quit" }));
  await client.stream.closeWrite();
  await client.untilClosed();
  client.close();
}

async function refusalOf(client: WireClient): Promise<{ status: unknown; message: string }> {
  const frames = await client.untilClosed();
  assert.equal(frames.length, 1, JSON.stringify(frames));
  return { status: frames[0]!.status, message: String(frames[0]!.message) };
}

Deno.test("sessions per address are capped with 429; another address still gets in", async () => {
  await using server = await serverWithAlice("max_sessions_per_address = 3\n");
  const open = [];
  try {
    for (let i = 0; i < 3; i++) open.push(await helloFrom(server.port));
    using fourth = await WireClient.connect(server.port);
    const refusal = await refusalOf(fourth);
    assert.equal(refusal.status, 429);
    assert.match(refusal.message, /Too many sessions from 127\.0\.0\.1: 3 open, the limit/);

    open.push(await helloFrom(server.port, "127.0.0.2"));
    await quit(open.shift()!);
    open.push(await helloFrom(server.port));
  } finally {
    open.forEach((client) => client.close());
  }
});

Deno.test("sessions in all are capped with 503, and the client says so", async () => {
  await using server = await serverWithAlice("max_sessions = 2\n");
  using _first = await helloFrom(server.port);
  using _second = await helloFrom(server.port, "127.0.0.2");
  using third = await WireClient.connect(server.port, { from: "127.0.0.3" });
  const refusal = await refusalOf(third);
  assert.equal(refusal.status, 503);
  assert.match(refusal.message, /Server busy: 2 sessions open, the limit; try again later/);

  const cli = await server.client("alice", PASSWORD, { command: "pwd" });
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /^error: Server busy: 2 sessions open/m);
});

Deno.test("login attempts per address per minute are capped, even with the right password", async () => {
  await using server = await serverWithAlice(
    "login_attempts_per_minute = 3\nlogin_ban_failures = 100\n",
  );
  using client = await helloFrom(server.port);
  for (const user of ["alice", "alice", "nobody"]) {
    assert.equal((await client.request("login", { user, password: "wrong" })).status, 401);
  }
  const result = await server.client("alice", PASSWORD, { command: "pwd" });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Too many login attempts from 127\.0\.0\.1 \(3 a minute\): try again in \d+s/,
  );

  using other = await WireClient.connect(server.port, { from: "127.0.0.2" });
  await other.logIn("alice", PASSWORD);
});

Deno.test("successful logins are not capped by login_attempts_per_minute", async () => {
  await using server = await serverWithAlice("login_attempts_per_minute = 3\n");
  for (let i = 0; i < 6; i++) {
    using client = await WireClient.connect(server.port);
    await client.logIn("alice", PASSWORD);
  }
});

Deno.test("a burst of parallel wrong logins from one address checks at most login_ban_failures passwords", async () => {
  await using server = await serverWithAlice(
    "login_ban_failures = 5\nlogin_attempts_per_minute = 1000\nmax_sessions_per_address = 64\n",
  );
  const clients = await Promise.all(Array.from({ length: 40 }, () => helloFrom(server.port)));
  try {
    const replies = await Promise.all(
      clients.map((client, i) =>
        client.request("login", { user: "alice", password: `guess-${i}` })
      ),
    );
    assert.ok(replies.every((reply) => reply.status === 401 || reply.status === 429));
  } finally {
    for (const client of clients) client.close();
  }
  // Every password checked and found wrong is one "login failed" line.
  const checked = server.log.match(/login failed /g)?.length ?? 0;
  assert.ok(checked <= 5, `${checked} passwords were checked before the ban`);
  assert.match(server.log, /address banned address=127\.0\.0\.1 failures=5/);
});

Deno.test("repeated failures ban an address (logged, kept across restarts); others unaffected", async () => {
  const ini = "login_ban_failures = 3\nlogin_ban_time = 600\nlogin_attempts_per_minute = 100\n";
  await using dir = await tempDir();
  const dataDir = `${dir.path}/data`;
  const server = await serverWithAlice(ini, dataDir);
  try {
    using client = await helloFrom(server.port);
    const replies = [];
    for (let i = 0; i < 3; i++) {
      replies.push(await client.request("login", { user: "alice", password: `guess-${i}` }));
    }
    assert.deepEqual(replies.map((reply) => reply.status), [401, 401, 401]);
    assert.match(
      String(replies[2]!.message),
      /too many failed logins from 127\.0\.0\.1: banned for 600s/,
    );
    assert.deepEqual(await client.untilClosed(), [], "a banning failure ends the connection");

    const banned = await server.client("alice", PASSWORD, { command: "pwd" });
    assert.equal(banned.code, 1);
    assert.match(
      banned.stderr,
      /Too many failed logins from 127\.0\.0\.1: try again in 10 minutes/,
    );

    using other = await WireClient.connect(server.port, { from: "127.0.0.2" });
    await other.logIn("alice", PASSWORD);
    other.close();
  } finally {
    await server.stop();
  }
  assert.match(server.log, /warn +address banned address=127\.0\.0\.1 failures=3 seconds=600/);
  assert.match(server.log, /login refused peer=127\.0\.0\.1:\d+ reason=banned/);

  await using restarted = await TestServer.start({ ini, dataDir });
  const stillBanned = await restarted.client("alice", PASSWORD, { command: "pwd" });
  assert.equal(stillBanned.code, 1);
  assert.match(stillBanned.stderr, /Too many failed logins/);
});

Deno.test("max_header_size refuses a larger request header with 413", async () => {
  await using server = await serverWithAlice("max_header_size = 1K\n");
  using client = await helloFrom(server.port);
  await client.send(encodeFrame({ op: "stat", path: "x".repeat(2000) }));
  const frames = await client.untilClosed();
  assert.equal(frames[0]?.status, 413);
  assert.match(String(frames[0]?.message), /exceeds the limit of 1024/);
});

Deno.test("max_path_length and max_list_entries give clear errors and the session goes on", async () => {
  await using server = await serverWithAlice("max_path_length = 64\nmax_list_entries = 5\n");
  const longPath = "/" + "d".repeat(64);
  const tooLong = await server.client("alice", PASSWORD, { command: `mkdir ${longPath}` });
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /Path too long: at most 64 bytes/);

  const made = await server.client("alice", PASSWORD, {
    command: "mkdir a1; mkdir a2; mkdir a3; mkdir a4; mkdir a5; ls",
  });
  assert.equal(made.code, 0, made.stderr);
  const overflow = await server.client("alice", PASSWORD, { stdin: "mkdir a6\nls\n" });
  assert.equal(overflow.code, 1);
  assert.match(overflow.stderr, /Cannot list "\/": more than 5 entries/);
  const afterwards = await server.client("alice", PASSWORD, { command: "ls /a1; pwd" });
  assert.equal(afterwards.code, 0, afterwards.stderr);
});

Deno.test("a client that stops reading its replies is cut off after transfer_timeout", async () => {
  await using server = await serverWithAlice("transfer_timeout = 1\n");
  using client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  for (let i = 0; i < 300; i++) {
    const reply = await client.request("mkdir", {
      path: `/big/${"n".repeat(100)}-${i}`,
      parents: true,
    });
    assert.equal(reply.status, 201);
  }
  // Ask for ~48 KB listings forever without reading any: the server's writes block once the
  // socket buffers are full; only the stall guard can end this.
  const request = encodeFrame({ op: "ls", path: "/big" });
  const burst = new Uint8Array(request.length * 10_000);
  for (let i = 0; i < 10_000; i++) burst.set(request, i * request.length);
  await sendUntilHungUp((data) => client.send(data), burst);
  await server.stop();
  assert.match(server.log, /transfer stalled peer=\S+ user=alice direction=sending seconds=1/);
});

Deno.test("FTP shares the session limits and login bans of the native protocol", async () => {
  await using server = await TestServer.start({
    args: ["--ftp-port", "0"],
    ini: "login_ban_failures = 3\nmax_sessions_per_address = 3\n",
  });
  await server.addUser("alice", PASSWORD);
  const ftpPort = server.ftpPort!;
  using native = await helloFrom(server.port);
  for (let i = 0; i < 2; i++) {
    const failed = await native.request("login", { user: "alice", password: "nope" });
    assert.equal(failed.status, 401);
  }
  {
    await using ftp = (await RawFtpClient.connect(ftpPort)).client;
    assert.match(await ftp.command("USER alice"), /^331/);
    assert.match(await ftp.command("PASS also-wrong"), /^530 .*banned for 900s/);
  }
  {
    await using ftp = (await RawFtpClient.connect(ftpPort)).client;
    assert.match(await ftp.command("USER alice"), /^331/);
    assert.match(await ftp.command(`PASS ${PASSWORD}`), /^421 Too many failed logins/);
  }
  const banned = await native.request("login", { user: "alice", password: PASSWORD });
  assert.equal(banned.status, 429);
  await native.untilClosed(); // The refused session is over once the server hangs up.

  // Sessions of both protocols count towards one limit per address.
  using _second = await helloFrom(server.port);
  using _third = await helloFrom(server.port);
  await using _ftpSession = (await RawFtpClient.connect(ftpPort)).client;
  const refused = await RawFtpClient.connect(ftpPort).then(async ({ client, greeting }) => {
    await client[Symbol.asyncDispose]();
    return greeting;
  });
  assert.match(refused, /^421 Too many sessions from 127\.0\.0\.1: 3 open/);
});

Deno.test("on a dual-stack listener both protocols see one client address, for bans and limits", async () => {
  // IPv4 clients of an IPv6 socket appear as ::ffff:127.0.0.1; FTP and native must agree.
  await using server = await TestServer.start({
    args: ["--ftp-port", "0"],
    ini: "host = ::ffff:127.0.0.1\nlogin_ban_failures = 3\nmax_sessions_per_address = 2\n",
  });
  await server.addUser("alice", PASSWORD);
  using native = await helloFrom(server.port);
  for (let i = 0; i < 2; i++) {
    const failed = await native.request("login", { user: "alice", password: "nope" });
    assert.equal(failed.status, 401);
  }
  {
    await using ftp = (await RawFtpClient.connect(server.ftpPort!)).client;
    assert.match(await ftp.command("USER alice"), /^331/);
    assert.equal(
      await ftp.command("PASS also-wrong"),
      "530 Login incorrect; too many failed logins from 127.0.0.1: banned for 900s",
    );
  }
  const banned = await native.request("login", { user: "alice", password: PASSWORD });
  assert.equal(banned.status, 429);
  assert.match(String(banned.message), /^Too many failed logins from 127\.0\.0\.1: /);
  await native.untilClosed();
  using _other = await helloFrom(server.port);
  await using _ftp = (await RawFtpClient.connect(server.ftpPort!)).client;
  using third = await WireClient.connect(server.port);
  assert.deepEqual(await refusalOf(third), {
    status: 429,
    message: "Too many sessions from 127.0.0.1: 2 open, the limit; close some and try again",
  });
});
